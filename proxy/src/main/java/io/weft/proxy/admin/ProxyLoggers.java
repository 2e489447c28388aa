package io.weft.proxy.admin;

import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.spi.MDCAdapter;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The proxy program's loggers and where their events go. A logger logs at the level of the longest
 * target that names it or a package above it ({@code io.weft} covers {@code io.weft.proxy.Foo}),
 * else at the root's; until {@link LogLevels} applies {@code LINKERD2_PROXY_LOG}, Weft's own code
 * logs at INFO and everything else at WARN. Each logger keeps its level in a field, so a disabled
 * event costs one comparison.
 */
public final class ProxyLoggers implements ILoggerFactory {
  static final String OWN_CODE = "io.weft";
  /** A threshold above every level. */
  private static final int OFF = Integer.MAX_VALUE;
  private static final Map<String, String> INITIAL = Map.of(Logger.ROOT_LOGGER_NAME, LogLevels.ROOT_DEFAULT, OWN_CODE, "info");

  private final LogFormat format;
  private final PrintStream out;
  private final MDCAdapter mdc;
  private final Map<String, ProxyLogger> loggers = new ConcurrentHashMap<>();
  private Map<String, Integer> thresholds = Map.of();

  ProxyLoggers(LogFormat format, PrintStream out, MDCAdapter mdc) {
    this.format = format;
    this.out = out;
    this.mdc = mdc;
    levels(INITIAL);
  }

  @Override
  public Logger getLogger(String name) {
    ProxyLogger logger = loggers.get(name);
    return logger != null ? logger : created(name);
  }

  // Under the same lock as levels(), so a logger made while the levels change gets the new ones.
  private synchronized ProxyLogger created(String name) {
    return loggers.computeIfAbsent(name, n -> new ProxyLogger(n, this, thresholdOf(n)));
  }

  /**
   * Replaces every level: {@code byTarget} maps logger names and {@link Logger#ROOT_LOGGER_NAME}
   * (which it must name: {@link LogLevels#parse} does) to trace, debug, info, warn, error or off;
   * targets it does not name follow the root.
   */
  public synchronized void levels(Map<String, String> byTarget) {
    if (!byTarget.containsKey(Logger.ROOT_LOGGER_NAME)) {
      throw new IllegalArgumentException("log levels name no root level: " + byTarget);
    }
    Map<String, Integer> next = new java.util.HashMap<>();
    byTarget.forEach((target, level) -> next.put(target, threshold(level)));
    thresholds = Map.copyOf(next);
    loggers.values().forEach(logger -> logger.threshold(thresholdOf(logger.getName())));
  }

  private static int threshold(String level) {
    return level.equals("off") ? OFF : Level.valueOf(level.toUpperCase(java.util.Locale.ROOT)).toInt();
  }

  private int thresholdOf(String name) {
    String target = name;
    while (true) {
      Integer threshold = thresholds.get(target);
      if (threshold != null) {
        return threshold;
      }
      int dot = target.lastIndexOf('.');
      if (dot < 0) {
        return thresholds.get(Logger.ROOT_LOGGER_NAME);
      }
      target = target.substring(0, dot);
    }
  }

  /** One event, as one write of one line (PrintStream's lock keeps lines from interleaving). */
  void write(Level level, String logger, String message, Throwable thrown) {
    StringBuilder line = new StringBuilder(128 + message.length());
    format.append(line, System.currentTimeMillis(), level, logger, Thread.currentThread().getName(), message,
        mdc.getCopyOfContextMap(), thrown);
    out.print(line);
  }
}
