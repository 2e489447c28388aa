package io.weft.proxy.tcp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real iptables REDIRECT rules for interception tests, each scoped to one client source port so
 * that nothing else on the machine (in particular the proxy's own onward connection) is
 * redirected; removed again by {@link #close()}.
 */
public final class RedirectRules implements AutoCloseable {
  private final List<List<String>> rules = new ArrayList<>();

  /** Root with a working iptables (CI, as root, installs it). */
  public static boolean usable() {
    try {
      return "root".equals(System.getProperty("user.name"))
          && new ProcessBuilder("iptables", "-t", "nat", "-L", "OUTPUT", "-n").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Connections from 127.0.0.1:{@code sourcePort} to {@code ip:destinationPort} go to local port {@code toPort}. */
  public void redirect(int sourcePort, String ip, int destinationPort, int toPort) throws Exception {
    List<String> rule = List.of("iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-s", "127.0.0.1",
        "--sport", Integer.toString(sourcePort), "-d", ip, "--dport", Integer.toString(destinationPort),
        "-j", "REDIRECT", "--to-ports", Integer.toString(toPort));
    assertThat(new ProcessBuilder(rule).inheritIO().start().waitFor()).isZero();
    rules.add(rule);
  }

  /** Connects from {@code sourcePort} to {@code ip:port}, sends {@code payload}, half-closes, returns all it reads. */
  public static String send(int sourcePort, String ip, int port, String payload) throws IOException {
    return exchange(sourcePort, ip, port, payload, true);
  }

  /**
   * As {@link #send}, {@code halfClose} saying whether the client ends its side after the payload or
   * keeps it open until the server closes (a client that waits for its answer first).
   */
  public static String exchange(int sourcePort, String ip, int port, String payload, boolean halfClose) throws IOException {
    try (Socket s = new Socket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", sourcePort));
      s.connect(new InetSocketAddress(ip, port), 5000);
      s.setSoTimeout(30_000);
      s.getOutputStream().write(payload.getBytes(StandardCharsets.ISO_8859_1));
      if (halfClose) {
        s.shutdownOutput();
      }
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  @Override
  public void close() throws Exception {
    for (List<String> rule : rules) {
      List<String> delete = new ArrayList<>(rule);
      delete.set(delete.indexOf("-A"), "-D");
      new ProcessBuilder(delete).inheritIO().start().waitFor();
    }
    rules.clear();
  }
}
