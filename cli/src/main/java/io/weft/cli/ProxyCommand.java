package io.weft.cli;

import io.weft.proxy.ProxyMain;
import picocli.CommandLine.Command;

/** {@code bin/weft proxy} runs {@link ProxyMain} in a JVM of its own; this runs the same proxy inside the CLI's. */
@Command(name = "proxy", description = "Run the proxy, configured by Linkerd's LINKERD2_PROXY_* environment variables.")
final class ProxyCommand implements Runnable {
  @Override
  public void run() {
    ProxyMain.run(System.getenv());
  }
}
