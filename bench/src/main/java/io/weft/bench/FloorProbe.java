package io.weft.bench;

import com.typesafe.config.ConfigFactory;
import io.weft.proxy.ProxyRuntime;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The memory under a proxy that is not the proxy's: one JVM at a time, with the proxy's JVM options
 * and an AOT cache of its own (bench/floor/run.sh), each level made of the things a proxy cannot do
 * without, and each busy at 1,000 events a second as a measured proxy is:
 * <ul>
 *   <li>{@code jvm}: the JVM alone (a thread that wakes every millisecond);</li>
 *   <li>{@code pekko}: Pekko's typed actor system with the proxy's settings (weft-proxy.conf: its
 *       event loops as the stream dispatcher) and a stream ticking through it;</li>
 *   <li>{@code +tls}: the JDK's TLS 1.3 with ECDSA P-256 and client certificates, a loopback
 *       connection echoing 64 bytes every millisecond.</li>
 * </ul>
 * Prints {@code ready} when the level is running; runs until it is stopped.
 *
 * <pre>FloorProbe jvm|jvm+tls|pekko|pekko+tls [--keystore FILE.p12 --password P]</pre>
 */
public final class FloorProbe {
  private static final Duration TICK = Duration.ofMillis(1);
  private static final int ECHO_BYTES = 64;

  public static void main(String[] args) throws Exception {
    String level = args.length > 0 ? args[0] : "";
    String keystore = null;
    String password = null;
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--keystore" -> keystore = args[++i];
        case "--password" -> password = args[++i];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    boolean pekko = level.equals("pekko") || level.equals("pekko+tls");
    boolean tls = level.equals("jvm+tls") || level.equals("pekko+tls");
    if (!pekko && !tls && !level.equals("jvm")) {
      throw new IllegalArgumentException("level must be jvm, jvm+tls, pekko or pekko+tls, not '" + level + "'");
    }
    if (tls && (keystore == null || password == null)) throw new IllegalArgumentException(level + " needs --keystore and --password");
    if (pekko) startPekko();
    if (tls) startTlsEcho(keystore, password.toCharArray());
    ready();
    if (!pekko && !tls) {
      while (true) LockSupport.parkNanos(TICK.toNanos());
    }
  }

  private static void ready() {
    System.out.println("ready");
    System.out.flush();
  }

  private static void startPekko() {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "floor", ProxyRuntime.systemConfig(ConfigFactory.load()));
    Source.tick(Duration.ZERO, TICK, ByteString.fromString("tick"))
        .map(ByteString::length)
        .runWith(Sink.ignore(), system);
  }

  private static void startTlsEcho(String keystore, char[] password) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(keystore)) {
      keys.load(in, password);
    }
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, password);
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(keys); // the one self-signed certificate trusts itself, both ways
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(keyManagers.getKeyManagers(), trust.getTrustManagers(), null);

    SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory()
        .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
    server.setNeedClientAuth(true);
    Thread.ofPlatform().daemon().name("floor-tls-server").start(() -> echo(server));
    SSLSocket client = (SSLSocket) context.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort());
    client.startHandshake();
    Thread.ofPlatform().name("floor-tls-client").start(() -> ping(client));
  }

  private static void echo(SSLServerSocket server) {
    try (SSLSocket socket = (SSLSocket) server.accept()) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      byte[] buffer = new byte[ECHO_BYTES];
      int n;
      while ((n = in.read(buffer)) > 0) out.write(buffer, 0, n);
    } catch (Exception e) {
      throw new IllegalStateException("the TLS echo server failed", e);
    }
  }

  private static void ping(SSLSocket client) {
    try (client) {
      OutputStream out = client.getOutputStream();
      InputStream in = client.getInputStream();
      byte[] message = new byte[ECHO_BYTES];
      while (true) {
        out.write(message);
        for (int read = 0, n; read < ECHO_BYTES; read += n) {
          if ((n = in.read(message, read, ECHO_BYTES - read)) < 0) throw new IllegalStateException("the echo server closed");
        }
        LockSupport.parkNanos(TICK.toNanos());
      }
    } catch (Exception e) {
      throw new IllegalStateException("the TLS echo client failed", e);
    }
  }
}
