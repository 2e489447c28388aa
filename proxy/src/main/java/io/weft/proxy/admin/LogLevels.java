package io.weft.proxy.admin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Applies a log directive in the syntax Linkerd's proxy takes ({@code LINKERD2_PROXY_LOG} and
 * {@code /proxy-log-level}): comma-separated, a bare level for everything, {@code target=level} for
 * one part. The target {@code linkerd} (and {@code linkerd2_proxy}) means Weft's own code.
 */
public final class LogLevels {
  private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error", "off");
  private static final String OWN_CODE = "io.weft";

  private String current;

  public LogLevels(String initial) {
    apply(initial);
  }

  public synchronized String current() {
    return current;
  }

  /** Parses and applies {@code directive}; throws with the offending part when it is malformed. */
  public synchronized void apply(String directive) {
    Map<String, Level> parsed = parse(directive);
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    parsed.forEach((logger, level) -> context.getLogger(logger).setLevel(level));
    current = directive.trim();
  }

  static Map<String, Level> parse(String directive) {
    Map<String, Level> out = new LinkedHashMap<>();
    if (directive == null || directive.isBlank()) {
      throw new IllegalArgumentException("empty log level; want e.g. 'warn,linkerd=info'");
    }
    for (String part : directive.trim().split(",")) {
      String p = part.trim();
      // Linkerd's span filters ("[{headers}]=off") have no equivalent here; accepted and ignored.
      if (p.isEmpty() || p.startsWith("[")) {
        continue;
      }
      int eq = p.indexOf('=');
      String target = eq < 0 ? Logger.ROOT_LOGGER_NAME : p.substring(0, eq).trim();
      String level = (eq < 0 ? p : p.substring(eq + 1)).trim().toLowerCase();
      if (!LEVELS.contains(level)) {
        throw new IllegalArgumentException("'" + p + "': '" + level + "' is not one of trace, debug, info, warn, error, off");
      }
      if (target.equals("linkerd") || target.equals("linkerd2_proxy") || target.equals("weft")) {
        target = OWN_CODE;
      }
      out.put(target, level.equals("warn") ? Level.WARN : Level.toLevel(level));
    }
    return out;
  }
}
