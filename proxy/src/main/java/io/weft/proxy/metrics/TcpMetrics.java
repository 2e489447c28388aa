package io.weft.proxy.metrics;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weft.streams.detect.Protocol;
import io.weft.streams.stage.Tally;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/**
 * Linkerd's TCP families for connections a proxy accepts: opened, closed, open now, bytes each way
 * and how long they lasted, labelled by direction, peer ({@code src}: the accepted side) and tls;
 * and what protocol detection decided for each.
 */
public final class TcpMetrics {
  /** Linkerd's {@code tcp_connection_duration_ms} buckets. */
  private static final double[] DURATION_BUCKETS_MS = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
  private static final String[] LABELS = {"direction", "peer", "tls", "client_id"};
  private static final String NO_TLS = "no_identity";

  private final Counter opened;
  private final Counter closed;
  private final Gauge open;
  private final Counter read;
  private final Counter written;
  private final Histogram duration;
  private final Counter detected;

  TcpMetrics(PrometheusRegistry registry) {
    opened = Counter.builder().name("tcp_open_total").help("Total count of opened connections.").labelNames(LABELS).withoutExemplars().register(registry);
    closed = Counter.builder().name("tcp_close_total").help("Total count of closed connections.").labelNames(LABELS).withoutExemplars().register(registry);
    open = Gauge.builder().name("tcp_open_connections").help("Number of currently-open connections.").labelNames(LABELS)
        .withoutExemplars().register(registry);
    read = Counter.builder().name("tcp_read_bytes_total").help("Total count of bytes read from peers.").labelNames(LABELS)
        .withoutExemplars().register(registry);
    written = Counter.builder().name("tcp_write_bytes_total").help("Total count of bytes written to peers.").labelNames(LABELS)
        .withoutExemplars().register(registry);
    duration = Histogram.builder().name("tcp_connection_duration_ms").help("Connection lifetimes.").classicOnly()
        .classicUpperBounds(DURATION_BUCKETS_MS).labelNames(LABELS).withoutExemplars().register(registry);
    detected = Counter.builder().name("tcp_protocol_detected_total")
        .help("Accepted connections by what their first bytes showed (opaque: nothing recognisable before the detect timeout); "
            + "a mesh TLS connection counts as tls and again as what it carries.")
        .labelNames("direction", "protocol").withoutExemplars().register(registry);
  }

  /** Counts one accepted connection's detection result. */
  public void detected(String direction, Protocol protocol) {
    String name = switch (protocol) {
      case Protocol.Http1 h -> "http1";
      case Protocol.Http2 h -> "http2";
      case Protocol.Tls t -> "tls";
      case Protocol.Transport t -> "transport_header";
      case Protocol.Opaque o -> "opaque";
    };
    detected.labelValues(direction, name).inc();
  }

  /**
   * One accepted connection's measurement. Its TLS labels are known only once the proxy has looked
   * at the connection (mesh TLS terminated, or not), so it is counted as open from then on, and the
   * bytes read before are added then.
   */
  public final class Measured {
    private final String direction;
    private final AtomicLong pendingRead = new AtomicLong();
    private final AtomicLong pendingWritten = new AtomicLong();
    private volatile String[] labels;
    // The byte counters' series, looked up once when decided rather than on every chunk.
    private volatile CounterDataPoint readBytes;
    private volatile CounterDataPoint writtenBytes;
    private long started;

    private Measured(String direction) {
      this.direction = direction;
    }

    /** Mesh TLS from {@code clientId} ("" when the client showed no certificate). */
    public void meshTls(String clientId) {
      decide(new String[] {direction, "src", "true", clientId});
    }

    /** Not mesh TLS. */
    public void plain() {
      decide(new String[] {direction, "src", NO_TLS, ""});
    }

    private synchronized void decide(String[] decided) {
      if (labels != null) {
        return;
      }
      labels = decided;
      readBytes = read.labelValues(decided);
      writtenBytes = written.labelValues(decided);
      started = System.nanoTime();
      opened.labelValues(decided).inc();
      open.labelValues(decided).inc();
      flush();
    }

    private void flush() {
      readBytes.inc(pendingRead.getAndSet(0));
      writtenBytes.inc(pendingWritten.getAndSet(0));
    }

    private void read(int n) {
      count(readBytes, pendingRead, n);
    }

    private void written(int n) {
      count(writtenBytes, pendingWritten, n);
    }

    /** Into the series once decided; until then kept aside for {@link #flush()}. */
    private static void count(CounterDataPoint series, AtomicLong pending, int n) {
      if (series == null) {
        pending.addAndGet(n);
      } else {
        series.inc(n);
      }
    }

    private synchronized void closed() {
      plain(); // a connection closed before anything was decided was not mesh TLS
      flush(); // bytes that raced the decision
      open.labelValues(labels).dec();
      closed.labelValues(labels).inc();
      duration.labelValues(labels).observe((System.nanoTime() - started) / 1_000_000.0);
    }
  }

  /** Wraps an accepted connection's flow (bytes from the peer in, bytes to the peer out) to measure it. */
  public Flow<ByteString, ByteString, NotUsed> accepted(String direction,
                                                        Function<Measured, Flow<ByteString, ByteString, NotUsed>> connection) {
    Measured measured = new Measured(direction);
    return Flow.<ByteString>create()
        .map(bytes -> {
          measured.read(bytes.size());
          return bytes;
        })
        .via(connection.apply(measured))
        .via(Tally.of(new Tally.Listener() {
          @Override
          public void passed(int bytes) {
            measured.written(bytes);
          }

          @Override
          public void ended(Throwable failure) {
            measured.closed();
          }
        }));
  }
}
