package io.weft.proxy.admin;

import org.slf4j.event.Level;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.TimeZone;

/** How the proxy program writes a log event ({@code LINKERD2_PROXY_LOG_FORMAT}): a plain line, or a JSON object. */
enum LogFormat {
  /** {@code 10:15:30.042 INFO  i.w.p.a.AdminServer - message}, then the stack trace of a throwable. */
  PLAIN {
    @Override
    void append(StringBuilder line, long millis, Level level, String logger, String thread, String message,
        Map<String, String> mdc, Throwable thrown) {
      timeOfDay(line, millis).append(' ').append(level.name());
      line.repeat(' ', LEVEL_WIDTH - level.name().length() + 1);
      abbreviated(line, logger).append(" - ").append(message).append('\n');
      if (thrown != null) {
        line.append(stackTrace(thrown));
      }
    }
  },
  /** One object per line: timestamp (epoch milliseconds), level, threadName, loggerName, message, mdc and throwable when present. */
  JSON {
    @Override
    void append(StringBuilder line, long millis, Level level, String logger, String thread, String message,
        Map<String, String> mdc, Throwable thrown) {
      line.append("{\"timestamp\":").append(millis).append(",\"level\":\"").append(level.name()).append("\",\"threadName\":");
      JsonText.string(line, thread).append(",\"loggerName\":");
      JsonText.string(line, logger).append(",\"message\":");
      JsonText.string(line, message);
      if (mdc != null && !mdc.isEmpty()) {
        line.append(",\"mdc\":{");
        String separator = "";
        for (Map.Entry<String, String> entry : mdc.entrySet()) {
          JsonText.string(line.append(separator), entry.getKey()).append(':');
          JsonText.string(line, String.valueOf(entry.getValue()));
          separator = ",";
        }
        line.append('}');
      }
      if (thrown != null) {
        JsonText.string(line.append(",\"throwable\":"), stackTrace(thrown));
      }
      line.append("}\n");
    }
  };

  private static final int LEVEL_WIDTH = 5;
  /** A logger's name is shortened (packages to their first letter, from the left) to about this length. */
  private static final int LOGGER_WIDTH = 20;
  private static final long MILLIS_PER_DAY = 86_400_000L;

  abstract void append(StringBuilder line, long millis, Level level, String logger, String thread, String message,
      Map<String, String> mdc, Throwable thrown);

  /** {@code json} is JSON; anything else, or nothing, plain lines. */
  static LogFormat named(String format) {
    return "json".equals(format) ? JSON : PLAIN;
  }

  private static StringBuilder timeOfDay(StringBuilder line, long millis) {
    long local = Math.floorMod(millis + TimeZone.getDefault().getOffset(millis), MILLIS_PER_DAY);
    two(line, local / 3_600_000).append(':');
    two(line, local / 60_000 % 60).append(':');
    two(line, local / 1000 % 60).append('.');
    long fraction = local % 1000;
    return line.append(fraction < 100 ? (fraction < 10 ? "00" : "0") : "").append(fraction);
  }

  private static StringBuilder two(StringBuilder line, long value) {
    return line.append(value < 10 ? "0" : "").append(value);
  }

  /** {@code io.weft.proxy.admin.AdminServer} as {@code i.w.p.a.AdminServer}; the class name itself is never cut. */
  static StringBuilder abbreviated(StringBuilder line, String logger) {
    int excess = logger.length() - LOGGER_WIDTH;
    int start = 0;
    int dot;
    while (excess > 0 && (dot = logger.indexOf('.', start)) > 0) {
      int segment = dot - start;
      line.append(logger.charAt(start)).append('.');
      excess -= segment - 1;
      start = dot + 1;
    }
    return line.append(logger, start, logger.length());
  }

  private static String stackTrace(Throwable thrown) {
    StringWriter trace = new StringWriter();
    thrown.printStackTrace(new PrintWriter(trace));
    return trace.toString();
  }
}
