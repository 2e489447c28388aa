package io.weft.proxy.admin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The proxy program's logging as {@code LINKERD2_PROXY_LOG_FORMAT} asks: plain lines, or one JSON object per event. */
class ProxyLoggingTest {
  @AfterEach
  void restore() {
    System.clearProperty("weft.proxy.logging");
  }

  /** One event as the proxy program's stderr appender writes it, logging configured for {@code format}. */
  private static String written(String format) {
    ProxyLogging.useForThisProcess(format);
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter()); // as SLF4J gives the real one
    ProxyLogging logging = new ProxyLogging();
    logging.setContext(context);
    logging.configure(context);
    @SuppressWarnings("unchecked")
    var appender = (OutputStreamAppender<ILoggingEvent>) context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().next();
    ch.qos.logback.classic.Logger logger = context.getLogger("io.weft.proxy.Example");
    LoggingEvent event = new LoggingEvent(ProxyLoggingTest.class.getName(), logger, Level.INFO, "proxy ready on {}", null,
        new Object[] {"4143"});
    String text = new String(appender.getEncoder().encode(event), StandardCharsets.UTF_8);
    context.stop();
    return text;
  }

  @Test
  void jsonWhenAskedPlainOtherwise() {
    assertThat(written("json").trim()).startsWith("{").endsWith("}").contains("\"level\":\"INFO\"")
        .contains("\"loggerName\":\"io.weft.proxy.Example\"").contains("proxy ready on");
    assertThat(written("plain")).contains(" INFO  ").contains("proxy ready on 4143").doesNotContain("{\"");
    assertThat(written(null)).contains("proxy ready on 4143").doesNotContain("{\"");
  }
}
