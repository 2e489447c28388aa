package io.weft.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The proxy program logs through its own small backend (admin.ProxyLogging), as
 * {@code LINKERD2_PROXY_LOG_FORMAT} asks, and never loads logback, which is on its class path for
 * the programs that run a proxy inside their own JVM.
 */
class ProxyMainLoggingTest {
  private Process proxy;

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.destroyForcibly();
    }
  }

  @Test
  void jsonLinesFromItsOwnBackendAndNoLogbackClassLoaded(@TempDir Path dir) throws Exception {
    Path classes = dir.resolve("classes.log");
    // The proxy's own JVM options (bin/weft proxy's), so the JVM itself has nothing to say on stderr.
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + Path.of("src/main/jvm/weft-proxy.options").toAbsolutePath(), "-Xmx128m",
        "-Xlog:class+load=info:file=" + classes, "-cp", System.getProperty("java.class.path"), ProxyMain.class.getName());
    builder.environment().putAll(Map.of(
        "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_CONTROL_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_DESTINATION_SVC_ADDR", "127.0.0.1:1",
        "LINKERD2_PROXY_LOG", "warn,linkerd=info",
        "LINKERD2_PROXY_LOG_FORMAT", "json"));
    proxy = builder.start();
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    Process started = proxy;
    Thread reader = Thread.ofVirtual().start(() -> {
      try (var lines = new BufferedReader(new InputStreamReader(started.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          errors.add(line);
        }
      } catch (IOException e) {
        errors.add("(output ended: " + e + ")");
      }
    });
    await().atMost(Duration.ofSeconds(60)).until(() -> find(errors, "proxy ready").isPresent() || !started.isAlive());
    assertThat(started.isAlive()).as("the proxy runs; it said:%n%s", String.join("\n", errors)).isTrue();

    ObjectMapper json = new ObjectMapper();
    JsonNode ready = json.readTree(find(errors, "proxy ready").orElseThrow());
    assertThat(ready.get("level").asText()).isEqualTo("INFO");
    assertThat(ready.get("loggerName").asText()).isEqualTo(ProxyRuntime.class.getName());
    assertThat(ready.get("message").asText()).startsWith("proxy ready: inbound /127.0.0.1:");
    JsonNode noIdentity = json.readTree(find(errors, "identity is disabled").orElseThrow());
    assertThat(noIdentity.get("level").asText()).isEqualTo("WARN");
    for (String line : errors) {
      assertThat(line).as("every line on stderr is one JSON event").startsWith("{\"timestamp\":").endsWith("}");
    }

    proxy.destroyForcibly().waitFor();
    reader.join(Duration.ofSeconds(10));
    String loaded = Files.readString(classes);
    assertThat(loaded).contains("io.weft.proxy.admin.ProxyLogger ").doesNotContain("ch.qos.logback");
  }

  private static Optional<String> find(Iterable<String> lines, String text) {
    for (String line : lines) {
      if (line.contains(text)) {
        return Optional.of(line);
      }
    }
    return Optional.empty();
  }
}
