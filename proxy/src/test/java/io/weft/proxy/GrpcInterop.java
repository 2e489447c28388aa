package io.weft.proxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * grpc-java's standard interop server and client, each in its own JVM (the classpath the
 * grpc-interop module writes): real gRPC peers for tests of the proxies.
 */
public final class GrpcInterop {
  private static final Duration START_PATIENCE = Duration.ofSeconds(60);

  private GrpcInterop() {}

  /** A JVM running {@code mainClass} of the interop classpath with {@code args}. */
  public static ProcessBuilder java(String mainClass, String... args) {
    String classpath;
    try {
      classpath = Files.readString(Path.of(System.getProperty("weft.grpc-interop.classpath"))).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("the grpc-interop module's classpath file is missing", e);
    }
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "--sun-misc-unsafe-memory-access=allow", "-cp", classpath, mainClass));
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  /** The interop server on {@code port} (plaintext, IPv4), its output in {@code log}, once it accepts connections. */
  public static Process server(int port, Path log) throws IOException {
    Process server = java("io.grpc.testing.integration.TestServiceServer", "--port=" + port, "--use_tls=false", "--address_type=IPV4")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    await().atMost(START_PATIENCE).until(() -> accepts(port));
    return server;
  }

  /** The interop client running {@code testCase} against {@code port}, naming the server {@code authority}. */
  public static ProcessBuilder client(int port, String authority, String testCase) {
    return client("127.0.0.1", port, authority, testCase);
  }

  /** As above, connecting to {@code host}. */
  public static ProcessBuilder client(String host, int port, String authority, String testCase) {
    return java("io.grpc.testing.integration.TestServiceClient", "--server_host=" + host, "--server_port=" + port,
        "--server_host_override=" + authority, "--use_tls=false", "--test_case=" + testCase);
  }

  private static boolean accepts(int port) {
    try (Socket ignored = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
