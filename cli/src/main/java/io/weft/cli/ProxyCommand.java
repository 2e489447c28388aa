package io.weft.cli;

import com.typesafe.config.ConfigFactory;
import io.weft.proxy.config.ProxyConfig;
import io.weft.proxy.ProxyRuntime;
import picocli.CommandLine.Command;

@Command(name = "proxy", description = "Run the proxy, configured by Linkerd's LINKERD2_PROXY_* environment variables.")
final class ProxyCommand implements Runnable {
  @Override
  public void run() {
    ProxyRuntime proxy = ProxyRuntime.start(ProxyConfig.fromEnv(System.getenv()), System.getenv(), ConfigFactory.load());
    Runtime.getRuntime().addShutdownHook(new Thread(proxy::close, "proxy-shutdown"));
    proxy.system().getWhenTerminated().toCompletableFuture().join();
  }
}
