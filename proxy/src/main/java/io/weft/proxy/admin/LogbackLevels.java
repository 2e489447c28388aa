package io.weft.proxy.admin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;

import java.util.Map;
import java.util.Set;

/**
 * {@link LogLevels} where SLF4J is bound to logback (a proxy inside the demo's or the CLI's JVM).
 * Only loaded there: the proxy program logs through {@link ProxyLoggers}.
 */
final class LogbackLevels {
  private LogbackLevels() {}

  /** Sets each target's level (the root's is always among them); a target set before and not named now follows its parent again. */
  static void apply(ILoggerFactory bound, Map<String, String> levels, Set<String> before) {
    LoggerContext context = (LoggerContext) bound;
    for (String target : before) {
      if (!levels.containsKey(target)) {
        context.getLogger(target).setLevel(null);
      }
    }
    levels.forEach((target, level) -> context.getLogger(target).setLevel(Level.toLevel(level)));
  }
}
