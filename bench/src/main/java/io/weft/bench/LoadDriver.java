package io.weft.bench;

import com.typesafe.config.ConfigFactory;
import org.HdrHistogram.Histogram;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.StreamSupport;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * A constant-rate (open-loop) HTTP load driver: requests are due on a fixed schedule and each
 * one's latency runs from when it was due, not from when it could be sent, so a stalled target is
 * charged for every request it delayed (no coordinated omission). {@code --rate 0} instead keeps
 * {@code --concurrency} requests outstanding and reports the throughput reached. {@code --grpc}
 * makes each request a unary gRPC call with an empty message to the URL's path (over h2c), a
 * success only with {@code grpc-status: 0}.
 *
 * <pre>LoadDriver --url http://HOST:PORT/PATH [--header 'name: value'] [--http2 | --grpc] --rate RPS
 *           --duration 20s [--warmup 5s] [--connections 16] [--concurrency 64] [--label NAME]</pre>
 *
 * Prints one line: label, protocol, target rate, achieved rate, p50/p90/p99/p99.9/max in ms, completed, errors.
 */
public final class LoadDriver {
  private record Options(String url, List<RawHeader> headers, boolean http2, boolean grpc, int rate, Duration duration, Duration warmup,
                         int connections, int concurrency, String label) {}

  /** Latencies above this (one minute) are recorded as this: a target that slow is saturated anyway. */
  private static final long HIGHEST_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final String GRPC_STATUS = "grpc-status";
  private static final String GRPC_OK = "0";
  private static final int GRPC_FRAME_HEADER_BYTES = 5;
  private static final ContentType GRPC_CONTENT_TYPE = ContentTypes.create(
      MediaTypes.applicationWithFixedCharset("grpc", HttpCharsets.UTF_8));
  /** Requests that may wait for a stream on one HTTP/2 connection. */
  private static final int MAX_QUEUED = 100_000;

  private LoadDriver() {}

  public static void main(String[] args) throws Exception {
    Options options = parse(args);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "load-driver", ConfigFactory.parseString(
        "pekko.loglevel = WARNING\npekko.http.host-connection-pool.max-open-requests = 65536\n"
            + "pekko.http.host-connection-pool.max-connections = " + options.connections()
            + "\npekko.http.host-connection-pool.max-retries = 0").withFallback(ConfigFactory.load()));
    try {
      Function<HttpRequest, CompletionStage<HttpResponse>> client = client(system, options);
      HttpRequest template = options.grpc()
          // A unary call with an empty message: the 5-byte gRPC frame header and no payload.
          ? HttpRequest.POST(options.url()).addHeaders(new ArrayList<>(options.headers()))
              .addHeader(RawHeader.create("te", "trailers"))
              .withEntity(HttpEntities.create(GRPC_CONTENT_TYPE, new byte[GRPC_FRAME_HEADER_BYTES]))
          : HttpRequest.GET(options.url()).addHeaders(new ArrayList<>(options.headers()));
      run(system, client, template, options.warmup(), options, new Histogram(HIGHEST_LATENCY_NANOS, 3)); // warm the JIT and pools
      Histogram latencies = new Histogram(HIGHEST_LATENCY_NANOS, 3);
      Result result = run(system, client, template, options.duration(), options, latencies);
      System.out.printf(Locale.ROOT, "%s %s target=%s achieved=%.0f p50=%.3f p90=%.3f p99=%.3f p99.9=%.3f max=%.3f completed=%d errors=%d%n",
          options.label(), options.grpc() ? "grpc" : options.http2() ? "h2" : "http/1.1", options.rate() == 0 ? "max" : String.valueOf(options.rate()),
          result.completed() / (result.elapsedNanos() / 1e9), ms(latencies.getValueAtPercentile(50)),
          ms(latencies.getValueAtPercentile(90)), ms(latencies.getValueAtPercentile(99)), ms(latencies.getValueAtPercentile(99.9)),
          ms(latencies.getMaxValue()), result.completed(), result.errors());
    } finally {
      system.terminate();
    }
  }

  private record Result(long completed, long errors, long elapsedNanos) {}

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static Result run(ActorSystem<Void> system, Function<HttpRequest, CompletionStage<HttpResponse>> client,
                            HttpRequest request, Duration duration, Options options, Histogram latencies)
      throws InterruptedException {
    AtomicLong completed = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    // Open loop: at most this many outstanding before the driver itself is the bottleneck.
    Semaphore outstanding = new Semaphore(options.rate() == 0 ? options.concurrency() : 100_000);
    long interval = options.rate() == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / options.rate();
    long due = start;
    while (due < end) {
      if (interval > 0) {
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
      outstanding.acquire();
      long intended = interval > 0 ? due : System.nanoTime();
      client.apply(request).thenCompose(response -> answered(system, response, options.grpc()))
          .whenComplete((success, error) -> {
            long latency = System.nanoTime() - intended;
            if (error == null && success) {
              synchronized (latencies) {
                latencies.recordValue(Math.min(latency, latencies.getHighestTrackableValue()));
              }
              completed.incrementAndGet();
            } else if (errors.incrementAndGet() == 1) {
              System.err.println("first error: " + (error != null ? error : "unsuccessful answer"));
            }
            outstanding.release();
          });
      due = interval > 0 ? due + interval : System.nanoTime();
    }
    // Let what is outstanding finish, so its latency counts.
    int permits = options.rate() == 0 ? options.concurrency() : 100_000;
    outstanding.tryAcquire(permits, 60, TimeUnit.SECONDS);
    return new Result(completed.get(), errors.get(), System.nanoTime() - start);
  }

  /**
   * Whether a response is a success, once it has ended: HTTP status below 400; for gRPC also
   * {@code grpc-status: 0}, in the headers (trailers-only) or in the trailers after the body.
   */
  private static CompletionStage<Boolean> answered(ActorSystem<Void> system, HttpResponse response, boolean grpc) {
    boolean ok = response.status().intValue() < 400;
    if (!grpc || !ok) {
      response.discardEntityBytes(system);
      return CompletableFuture.completedFuture(ok);
    }
    var inHeaders = response.getHeader(GRPC_STATUS).map(h -> h.value());
    if (!(response.entity() instanceof HttpEntity.Chunked chunked)) {
      response.discardEntityBytes(system);
      return CompletableFuture.completedFuture(inHeaders.map(GRPC_OK::equals).orElse(false));
    }
    return chunked.getChunks().runWith(Sink.fold(inHeaders.orElse(""), (status, chunk) -> chunk.isLastChunk()
        ? StreamSupport.stream(chunk.getTrailerHeaders().spliterator(), false)
            .filter(h -> h.is(GRPC_STATUS)).map(h -> h.value()).findFirst().orElse(status)
        : status), system).thenApply(GRPC_OK::equals);
  }

  private static Function<HttpRequest, CompletionStage<HttpResponse>> client(ActorSystem<Void> system, Options options) {
    Http http = Http.get(system);
    if (!options.http2()) {
      ConnectionPoolSettings pool = ConnectionPoolSettings.create(system.classicSystem());
      return request -> http.singleRequest(request, http.defaultClientHttpsContext(), pool,
          system.classicSystem().log());
    }
    Uri uri = Uri.create(options.url());
    InetSocketAddress target = InetSocketAddress.createUnresolved(uri.host().address(), uri.port());
    ClientConnectionSettings settings = ClientConnectionSettings.create(system.classicSystem());
    // One multiplexed connection each, replaced when it fails.
    List<Http2Connections> connections = new ArrayList<>();
    for (int i = 0; i < options.connections(); i++) {
      connections.add(new Http2Connections(system, MAX_QUEUED, java.util.Optional.empty()));
    }
    AtomicLong next = new AtomicLong();
    return request -> connections.get((int) (next.getAndIncrement() % connections.size())).send(target, settings, request);
  }

  private static Options parse(String[] args) {
    String url = null;
    List<RawHeader> headers = new ArrayList<>();
    boolean http2 = false;
    boolean grpc = false;
    int rate = -1;
    Duration duration = Duration.ofSeconds(20);
    Duration warmup = Duration.ofSeconds(5);
    int connections = 16;
    int concurrency = 64;
    String label = "run";
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--url" -> url = args[++i];
        case "--header" -> {
          String[] h = args[++i].split(":", 2);
          if (h.length != 2) {
            throw new IllegalArgumentException("--header wants 'name: value', got '" + args[i] + "'");
          }
          headers.add(RawHeader.create(h[0].trim(), h[1].trim()));
        }
        case "--http2" -> http2 = true;
        case "--grpc" -> grpc = true;
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        case "--duration" -> duration = seconds(args[++i]);
        case "--warmup" -> warmup = seconds(args[++i]);
        case "--connections" -> connections = Integer.parseInt(args[++i]);
        case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
        case "--label" -> label = args[++i];
        default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
      }
    }
    if (url == null || rate < 0) {
      throw new IllegalArgumentException("--url and --rate (0 for maximum throughput) are required");
    }
    return new Options(url, headers, http2 || grpc, grpc, rate, duration, warmup, connections, concurrency, label);
  }

  /** {@code 20s}: the duration format of the bench drivers' options. */
  static Duration seconds(String value) {
    if (!value.endsWith("s")) {
      throw new IllegalArgumentException("durations are in seconds, like 20s: '" + value + "'");
    }
    return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
  }
}
