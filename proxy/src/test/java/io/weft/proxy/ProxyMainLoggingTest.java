package io.weft.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy program logs through its own small backend (admin.ProxyLogging), as
 * {@code LINKERD2_PROXY_LOG_FORMAT} asks, and never loads logback, which is on its class path for
 * the programs that run a proxy inside their own JVM.
 */
class ProxyMainLoggingTest {
  @Test
  void jsonLinesFromItsOwnBackendAndNoLogbackClassLoaded(@TempDir Path dir) throws Exception {
    Path classes = dir.resolve("classes.log");
    // The proxy's own JVM options (bin/weft proxy's), so the JVM itself has nothing to say on stderr.
    List<String> lines;
    try (ProxyProgram proxy = ProxyProgram.start(List.of("-Xlog:class+load=info:file=" + classes),
        Map.of("LINKERD2_PROXY_LOG", "warn,linkerd=info", "LINKERD2_PROXY_LOG_FORMAT", "json"))) {
      ObjectMapper json = new ObjectMapper();
      JsonNode ready = json.readTree(proxy.find("proxy ready").orElseThrow());
      assertThat(ready.get("level").asText()).isEqualTo("INFO");
      assertThat(ready.get("loggerName").asText()).isEqualTo(ProxyRuntime.class.getName());
      assertThat(ready.get("message").asText()).startsWith("proxy ready: inbound /127.0.0.1:");
      JsonNode noIdentity = json.readTree(proxy.find("identity is disabled").orElseThrow());
      assertThat(noIdentity.get("level").asText()).isEqualTo("WARN");
      lines = proxy.lines();
    }
    for (String line : lines) {
      assertThat(line).as("every line on stderr is one JSON event").startsWith("{\"timestamp\":").endsWith("}");
    }
    String loaded = Files.readString(classes);
    assertThat(loaded).contains("io.weft.proxy.admin.ProxyLogger ").doesNotContain("ch.qos.logback");
  }
}
