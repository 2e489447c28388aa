package io.weft.proxy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The proxy program in a JVM of its own, as bin/weft starts it (weft-proxy.options, the test's
 * class path), listening on free loopback ports, with a destination service that refuses; its
 * stderr kept line by line.
 */
final class ProxyProgram implements AutoCloseable {
  private final Process process;
  private final ConcurrentLinkedQueue<String> stderr = new ConcurrentLinkedQueue<>();
  private final Thread reader;

  private ProxyProgram(Process process) {
    this.process = process;
    this.reader = Thread.ofVirtual().start(() -> {
      try (var lines = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          stderr.add(line);
        }
      } catch (IOException e) {
        stderr.add("(output ended: " + e + ")");
      }
    });
  }

  /** Starts it with {@code jvmOptions} after the proxy's own and {@code env} over the listening addresses; returns once it is ready. */
  static ProxyProgram start(List<String> jvmOptions, Map<String, String> env) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + Path.of("src/main/jvm/weft-proxy.options").toAbsolutePath(), "-Xmx128m"));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), ProxyMain.class.getName()));
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> environment = new HashMap<>(Map.of(
        "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_CONTROL_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_DESTINATION_SVC_ADDR", "127.0.0.1:1"));
    environment.putAll(env);
    builder.environment().putAll(environment);
    ProxyProgram program = new ProxyProgram(builder.start());
    await().atMost(Duration.ofSeconds(60)).until(() -> program.find("proxy ready").isPresent() || !program.process.isAlive());
    assertThat(program.process.isAlive()).as("the proxy runs; it said:%n%s", String.join("\n", program.stderr)).isTrue();
    return program;
  }

  /** The program's process id, for a signal. */
  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Whether the program ends within {@code patience}. */
  boolean exitsWithin(Duration patience) throws InterruptedException {
    return process.waitFor(patience.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Everything on stderr so far, as one text. */
  String output() {
    return String.join("\n", stderr);
  }

  /** The first line of stderr so far containing {@code text}. */
  Optional<String> find(String text) {
    return stderr.stream().filter(line -> line.contains(text)).findFirst();
  }

  /** The names of the program's threads now, as Linux keeps them (cut to 15 characters). */
  List<String> threadNames() throws IOException {
    List<String> names = new ArrayList<>();
    try (var tasks = java.nio.file.Files.list(Path.of("/proc", Long.toString(process.pid()), "task"))) {
      for (Path task : tasks.toList()) {
        try {
          names.add(java.nio.file.Files.readString(task.resolve("comm")).strip());
        } catch (java.nio.file.NoSuchFileException ended) {
          // the thread ended while listed
        }
      }
    }
    return names;
  }

  /** Every line of stderr so far. */
  List<String> lines() {
    return List.copyOf(stderr);
  }

  /** Stops the program and waits until its stderr is read to the end. */
  @Override
  public void close() throws InterruptedException {
    process.destroyForcibly().waitFor();
    reader.join(Duration.ofSeconds(10));
  }
}
