package io.weft.proxy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.weft.proxy.admin.ProxyLogging;
import io.weft.proxy.config.ProxyConfig;

import java.util.Map;

/**
 * The proxy as its own program: what a pod's sidecar runs ({@code bin/weft proxy}, the proxy
 * image). It loads only the proxy's classes — not the CLI, the control plane or the operator — and
 * logs through its own small SLF4J backend ({@link ProxyLogging}) rather than logback, so a sidecar
 * starts quickly and holds few classes.
 */
public final class ProxyMain {
  private ProxyMain() {}

  public static void main(String[] args) {
    ProxyLogging.useForThisProcess(System.getenv("LINKERD2_PROXY_LOG_FORMAT"));
    try {
      run(System.getenv());
    } catch (RuntimeException e) {
      System.err.println("weft proxy: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      System.exit(1);
    }
  }

  /** Runs a proxy configured by {@code env} until it is stopped (a signal, or /shutdown). */
  public static void run(Map<String, String> env) {
    // Pekko's settings (every library's reference.conf) are parsed while the environment is read.
    Beside<Config> settings = Beside.start("settings", ConfigFactory::load);
    ProxyRuntime proxy = ProxyRuntime.start(ProxyConfig.fromEnv(env), env, settings.join());
    Runtime.getRuntime().addShutdownHook(new Thread(proxy::close, "proxy-shutdown"));
    proxy.system().getWhenTerminated().toCompletableFuture().join();
  }
}
