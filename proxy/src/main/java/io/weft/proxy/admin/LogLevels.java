package io.weft.proxy.admin;

import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Applies a log directive in the syntax Linkerd's proxy takes ({@code LINKERD2_PROXY_LOG} and
 * {@code /proxy-log-level}): comma-separated, a bare level for everything, {@code target=level} for
 * one part. The target {@code linkerd} (and {@code linkerd2_proxy}) means Weft's own code. A new
 * directive replaces the last one whole, as Linkerd's does: a target it no longer names follows the
 * root again.
 */
public final class LogLevels {
  private static final String LOGBACK = "ch.qos.logback.";
  /** The level of whatever a directive without a bare level does not name. */
  static final String ROOT_DEFAULT = "warn";
  private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error", "off");

  private String current;
  private Map<String, String> applied = Map.of();

  public LogLevels(String initial) {
    apply(initial);
  }

  public synchronized String current() {
    return current;
  }

  /** Parses and applies {@code directive}; throws with the offending part when it is malformed. */
  public synchronized void apply(String directive) {
    Map<String, String> parsed = parse(directive);
    ILoggerFactory bound = LoggerFactory.getILoggerFactory();
    if (bound instanceof ProxyLoggers own) {
      own.levels(parsed);
    } else if (bound.getClass().getName().startsWith(LOGBACK)) {
      // A proxy inside another program's JVM (the demo, the CLI) logs through that program's logback.
      LogbackLevels.apply(bound, parsed, applied.keySet());
    } // any other backend is its program's to configure
    applied = parsed;
    current = directive.trim();
  }

  /** Each target the directive names, with its level (lower case); the root always, WARN unless named. */
  static Map<String, String> parse(String directive) {
    Map<String, String> out = new LinkedHashMap<>();
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
      String level = (eq < 0 ? p : p.substring(eq + 1)).trim().toLowerCase(java.util.Locale.ROOT);
      if (!LEVELS.contains(level)) {
        throw new IllegalArgumentException("'" + p + "': '" + level + "' is not one of trace, debug, info, warn, error, off");
      }
      if (target.equals("linkerd") || target.equals("linkerd2_proxy") || target.equals("weft")) {
        target = ProxyLoggers.OWN_CODE;
      }
      out.put(target, level);
    }
    out.putIfAbsent(Logger.ROOT_LOGGER_NAME, ROOT_DEFAULT);
    return out;
  }
}
