package io.weft.proxy.admin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;

import java.util.Map;
import java.util.Set;

/**
 * {@link LogLevels} where SLF4J is bound to logback (a proxy inside the demo's or the CLI's JVM).
 * Only loaded there: the proxy program logs through {@link ProxyLoggers}.
 */
final class LogbackLevels {
  private LogbackLevels() {}

  /** Sets each target's level; a target set before and not named now follows its parent again (the root: WARN). */
  static void apply(ILoggerFactory bound, Map<String, String> levels, Set<String> before) {
    LoggerContext context = (LoggerContext) bound;
    for (String target : before) {
      if (!levels.containsKey(target)) {
        context.getLogger(target).setLevel(target.equals(Logger.ROOT_LOGGER_NAME) ? Level.WARN : null);
      }
    }
    levels.forEach((target, level) -> context.getLogger(target).setLevel(Level.toLevel(level)));
  }
}
