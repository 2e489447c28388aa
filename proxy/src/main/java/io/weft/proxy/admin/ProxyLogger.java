package io.weft.proxy.admin;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** One named logger of {@link ProxyLoggers}: its level, and events at or above it formatted and written. */
final class ProxyLogger extends LegacyAbstractLogger { // markers are not written: their checks are the plain ones
  private static final long serialVersionUID = 1L;

  private final transient ProxyLoggers loggers;
  private volatile int threshold;

  ProxyLogger(String name, ProxyLoggers loggers, int threshold) {
    this.name = name;
    this.loggers = loggers;
    this.threshold = threshold;
  }

  void threshold(int threshold) {
    this.threshold = threshold;
  }

  private boolean enabled(Level level) {
    return level.toInt() >= threshold;
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(Level.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(Level.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(Level.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(Level.WARN);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(Level.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null; // no caller data is written
  }

  @Override
  protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments, Throwable thrown) {
    loggers.write(level, name, MessageFormatter.basicArrayFormat(pattern, arguments), thrown);
  }
}
