package io.weft.bench;

import org.HdrHistogram.Histogram;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Mesh TLS handshakes per second against a proxy's inbound port: clients open a connection, ask
 * for the proxy's identity by SNI, complete a TLS 1.3 handshake (full, never resumed) and close,
 * back to back on several threads. The certificate is not checked: this measures cost, not trust.
 *
 * <pre>HandshakeDriver --target 127.0.20.2:4143 --server-name NAME --duration 20s [--threads 4] [--warmup 5s]</pre>
 */
public final class HandshakeDriver {
  private static final long MAX_MICROS = 10_000_000;

  public static void main(String[] args) throws Exception {
    String target = null;
    String serverName = null;
    Duration duration = Duration.ofSeconds(20);
    Duration warmup = Duration.ofSeconds(5);
    int threads = 4;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--target" -> target = args[++i];
        case "--server-name" -> serverName = args[++i];
        case "--duration" -> duration = LoadDriver.seconds(args[++i]);
        case "--warmup" -> warmup = LoadDriver.seconds(args[++i]);
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (target == null || serverName == null) {
      throw new IllegalArgumentException("--target HOST:PORT and --server-name NAME are required");
    }
    InetSocketAddress address = new InetSocketAddress(target.substring(0, target.lastIndexOf(':')),
        Integer.parseInt(target.substring(target.lastIndexOf(':') + 1)));
    SSLContext context = io.weft.protocol.identity.InspectingTls.clientContext();

    run(context, address, serverName, warmup, threads, new Histogram(MAX_MICROS, 3), new AtomicLong());
    Histogram latency = new Histogram(MAX_MICROS, 3);
    AtomicLong errors = new AtomicLong();
    long started = System.nanoTime();
    long done = run(context, address, serverName, duration, threads, latency, errors);
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf(Locale.ROOT, "mesh TLS handshakes: %.0f/s with %d client threads; handshake p50=%.3f p99=%.3f ms; errors=%d%n",
        done / seconds, threads, latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
        errors.get());
  }

  private static long run(SSLContext context, InetSocketAddress address, String serverName, Duration duration, int threads,
                          Histogram latency, AtomicLong errors) throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    AtomicLong completed = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(Thread.ofPlatform().start(() -> {
        while (System.nanoTime() < end) {
          long began = System.nanoTime();
          try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(address, 5_000);
            socket.setSoTimeout(5_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(serverName)));
            parameters.setProtocols(new String[] {"TLSv1.3"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            socket.getSession().invalidate(); // never resumed: every handshake is a full one
            long micros = (System.nanoTime() - began) / 1000;
            synchronized (latency) {
              latency.recordValue(Math.min(micros, MAX_MICROS));
            }
            completed.incrementAndGet();
          } catch (Exception e) {
            errors.incrementAndGet();
          }
        }
      }));
    }
    for (Thread w : workers) {
      w.join();
    }
    return completed.get();
  }
}
