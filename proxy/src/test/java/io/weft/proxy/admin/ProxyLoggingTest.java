package io.weft.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.helpers.BasicMDCAdapter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The proxy program's log backend: its formats ({@code LINKERD2_PROXY_LOG_FORMAT}) and levels ({@code LINKERD2_PROXY_LOG}). */
class ProxyLoggingTest {
  private final ByteArrayOutputStream written = new ByteArrayOutputStream();
  private final BasicMDCAdapter mdc = new BasicMDCAdapter();

  private ProxyLoggers loggers(String format) {
    return new ProxyLoggers(LogFormat.named(format), new PrintStream(written, true, StandardCharsets.UTF_8), mdc);
  }

  private String text() {
    String text = written.toString(StandardCharsets.UTF_8);
    written.reset();
    return text;
  }

  @Test
  void plainLinesUnlessJsonIsAsked() throws IOException {
    loggers(null).getLogger("io.weft.proxy.admin.AdminServer").info("proxy ready on {}", "4143");
    assertThat(text()).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  i\\.w\\.p\\.a\\.AdminServer - proxy ready on 4143\n");
    loggers("plain").getLogger("short.Name").warn("careful");
    assertThat(text()).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  short\\.Name - careful\n");

    loggers("json").getLogger("io.weft.proxy.Example").info("proxy ready on {}", "4143");
    String line = text();
    assertThat(line).endsWith("}\n").doesNotContain("\n{");
    JsonNode event = new ObjectMapper().readTree(line);
    assertThat(event.get("level").asText()).isEqualTo("INFO");
    assertThat(event.get("loggerName").asText()).isEqualTo("io.weft.proxy.Example");
    assertThat(event.get("message").asText()).isEqualTo("proxy ready on 4143");
    assertThat(event.get("threadName").asText()).isEqualTo(Thread.currentThread().getName());
    assertThat(event.get("timestamp").asLong()).isPositive();
    assertThat(event.has("throwable")).isFalse();
  }

  @Test
  void jsonEscapesTheMessageAndCarriesTheContextAndTheThrowable() throws IOException {
    mdc.put("pekkoSource", "pekko://proxy/user/\"x\"");
    try {
      loggers("json").getLogger("io.weft.proxy.Example").error("a \"quoted\"\nsecond line\tand\u0001", new IllegalStateException("broken"));
    } finally {
      mdc.clear();
    }
    String line = text();
    assertThat(line.strip()).doesNotContain("\n");
    JsonNode event = new ObjectMapper().readTree(line);
    assertThat(event.get("message").asText()).isEqualTo("a \"quoted\"\nsecond line\tand\u0001");
    assertThat(event.get("mdc").get("pekkoSource").asText()).isEqualTo("pekko://proxy/user/\"x\"");
    assertThat(event.get("throwable").asText()).startsWith("java.lang.IllegalStateException: broken\n")
        .contains("at io.weft.proxy.admin.ProxyLoggingTest");
  }

  @Test
  void aPlainLineIsFollowedByItsStackTrace() {
    loggers("plain").getLogger("io.weft.proxy.Example").warn("failed: {}", "upstream", new IllegalStateException("broken"));
    assertThat(text()).containsPattern("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  i\\.weft\\.proxy\\.Example - failed: upstream\n"
        + "java\\.lang\\.IllegalStateException: broken\n\tat io\\.weft\\.proxy\\.admin\\.ProxyLoggingTest");
  }

  @Test
  void levelsFollowTheLongestTargetAndANewDirectiveReplacesTheLast() {
    ProxyLoggers loggers = loggers("plain");
    Logger own = loggers.getLogger("io.weft.proxy.Example");
    Logger pekko = loggers.getLogger("org.apache.pekko.stream.Materializer");
    // Before LINKERD2_PROXY_LOG is applied: Weft's code at INFO, the rest at WARN.
    assertThat(own.isInfoEnabled()).isTrue();
    assertThat(own.isDebugEnabled()).isFalse();
    assertThat(pekko.isInfoEnabled()).isFalse();
    assertThat(pekko.isWarnEnabled()).isTrue();
    pekko.info("not written");
    assertThat(text()).isEmpty();

    loggers.levels(LogLevels.parse("debug,org.apache.pekko=off,linkerd=trace"));
    assertThat(own.isTraceEnabled()).isTrue();
    assertThat(pekko.isErrorEnabled()).isFalse();
    pekko.error("not written either");
    assertThat(text()).isEmpty();
    assertThat(loggers.getLogger("com.example.App").isDebugEnabled()).isTrue();
    assertThat(loggers.getLogger("org.apache.pekko.actor.ActorSystem").isErrorEnabled()).as("made after the change").isFalse();

    loggers.levels(LogLevels.parse("info"));
    assertThat(own.isDebugEnabled()).as("no longer named: follows the root").isFalse();
    assertThat(own.isInfoEnabled()).isTrue();
    assertThat(pekko.isInfoEnabled()).isTrue();

    loggers.levels(LogLevels.parse("linkerd=debug"));
    assertThat(pekko.isWarnEnabled()).as("no root named: WARN").isTrue();
    assertThat(pekko.isInfoEnabled()).isFalse();
    assertThat(own.isDebugEnabled()).isTrue();
  }
}
