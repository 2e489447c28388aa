package io.weft.proxy.admin;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The proxy program's logging backend: SLF4J's loggers as {@link ProxyLoggers}, one line per event
 * on stderr, instead of logback, whose ~300 classes every sidecar would load and keep. The proxy
 * program names it with SLF4J's {@code slf4j.provider} property ({@link #useForThisProcess}); it is
 * not registered as a service, so a program that runs a proxy inside its own JVM (the demo, the
 * CLI) keeps its own logging.
 */
public final class ProxyLogging implements SLF4JServiceProvider {
  private static final String FORMAT_PROPERTY = "weft.proxy.logging";
  private static final String PROVIDER_PROPERTY = "slf4j.provider";
  // SLF4J says at INFO which provider it was told to load: noise on every start.
  private static final String VERBOSITY_PROPERTY = "slf4j.internal.verbosity";
  private static final String API_VERSION = "2.0.99";

  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new BasicMDCAdapter();
  private ProxyLoggers loggers;

  /**
   * Called first thing by the proxy program, before anything logs; {@code format} is
   * {@code LINKERD2_PROXY_LOG_FORMAT}: {@code json} for one JSON object per event, else plain lines
   * (the proxy's configuration refuses any other value once it is read).
   */
  public static void useForThisProcess(String format) {
    System.setProperty(FORMAT_PROPERTY, LogFormat.named(format).name());
    System.setProperty(PROVIDER_PROPERTY, ProxyLogging.class.getName());
    System.setProperty(VERBOSITY_PROPERTY, "WARN");
  }

  @Override
  public void initialize() {
    String format = System.getProperty(FORMAT_PROPERTY, LogFormat.PLAIN.name());
    loggers = new ProxyLoggers(LogFormat.valueOf(format), System.err, mdc);
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return API_VERSION;
  }
}
