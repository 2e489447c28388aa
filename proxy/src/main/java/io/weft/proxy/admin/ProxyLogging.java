package io.weft.proxy.admin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The proxy program's logging, set up in code rather than from an XML file (whose parser would be
 * a few hundred more classes in every sidecar): one line per event on stderr, Weft's own code at
 * INFO and everything else at WARN until {@code LINKERD2_PROXY_LOG} says otherwise
 * ({@link LogLevels}). Found by logback through its service loader; in any other program (the
 * CLI, tests) it steps aside for the usual configuration.
 */
public final class ProxyLogging extends ContextAwareBase implements Configurator {
  private static final String PROPERTY = "weft.proxy.logging";
  private static final String JSON = "json";
  private static final String PLAIN = "plain";
  private static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n";

  /**
   * Called first thing by the proxy program, before anything logs; {@code format} is
   * {@code LINKERD2_PROXY_LOG_FORMAT}: {@code json} for one JSON object per event, else plain lines
   * (the proxy's configuration refuses any other value once it is read).
   */
  public static void useForThisProcess(String format) {
    System.setProperty(PROPERTY, "json".equals(format) ? JSON : PLAIN);
  }

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    String format = System.getProperty(PROPERTY);
    if (format == null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    Encoder<ILoggingEvent> encoder;
    if (format.equals(JSON)) {
      encoder = new JsonEncoder();
    } else {
      PatternLayoutEncoder lines = new PatternLayoutEncoder();
      lines.setPattern(PATTERN);
      encoder = lines;
    }
    encoder.setContext(context);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(stderr);
    context.getLogger("io.weft").setLevel(Level.INFO);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
