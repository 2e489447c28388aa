package io.weft.proxy.metrics;

import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.streams.http.Request;
import io.weft.streams.http.StatusCodes;
import io.weft.streams.http.Response;
import io.weft.streams.service.Layer;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The proxy's HTTP metrics in Linkerd's families, labels and latency buckets, so Linkerd's
 * dashboards and queries work unchanged: {@code request_total}, {@code response_total} and
 * {@code response_latency_ms} (to the response head), in the proxy's registry (see {@link ProxyMetrics}).
 */
public final class HttpMetrics {
  /** Linkerd's {@code response_latency_ms} buckets. */
  static final double[] LATENCY_BUCKETS_MS = {1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000,
      4000, 5000, 10000, 20000, 30000, 40000, 50000};
  private static final String[] TARGET_LABELS = {"direction", "authority", "dst_namespace", "dst_service", "dst_deployment",
      "dst_pod", "dst_serviceaccount", "tls", "server_id", "client_id", "no_tls_reason"};
  private static final String GRPC_STATUS = "grpc-status";
  private static final String GRPC_OK = "0";

  private final Counter requests;
  private final Counter responses;
  private final Histogram latency;
  private final ConcurrentHashMap<Target, Series> series = new ConcurrentHashMap<>();

  HttpMetrics(PrometheusRegistry registry) {
    requests = Counter.builder().name("request_total").help("Total count of HTTP requests.")
        .labelNames(TARGET_LABELS).withoutExemplars().register(registry);
    responses = Counter.builder().name("response_total").help("Total count of HTTP responses.")
        .labelNames(concat(TARGET_LABELS, "status_code", "classification")).withoutExemplars().register(registry);
    latency = Histogram.builder().name("response_latency_ms")
        .help("Elapsed times between a request's headers being received and its response headers being sent.")
        .classicOnly().classicUpperBounds(LATENCY_BUCKETS_MS)
        .labelNames(concat(TARGET_LABELS, "status_code")).withoutExemplars().register(registry);
  }

  /**
   * Linkerd's TLS labels of a request's connection: {@code tls="true"} with the peer's identity
   * ({@code server_id} outbound, {@code client_id} inbound), or {@code tls="no_identity"} with a
   * {@code no_tls_reason}.
   */
  public record Tls(String tls, String serverId, String clientId, String noTlsReason) {
    private static final String NO_IDENTITY = "no_identity";
    /** Discovery named no identity for the endpoint (it is not meshed), or there was no endpoint. */
    public static final Tls NOT_PROVIDED_BY_DISCOVERY = new Tls(NO_IDENTITY, "", "", "not_provided_by_service_discovery");
    /** The client connected without mesh TLS. */
    public static final Tls NO_TLS_FROM_REMOTE = new Tls(NO_IDENTITY, "", "", "no_tls_from_remote");
    /** This proxy runs without identity. */
    public static final Tls DISABLED = new Tls(NO_IDENTITY, "", "", "disabled");

    public static Tls toServer(String identity) {
      return new Tls("true", identity, "", "");
    }

    /** Mesh TLS from a client that showed {@code identity}; empty when it showed no certificate. */
    public static Tls fromClient(String identity) {
      return new Tls("true", "", identity, "");
    }
  }

  /** Where a request went: the labels shared by its three families (equal when the labels are). */
  public record Target(String[] labels) {
    @Override
    public boolean equals(Object other) {
      return other instanceof Target t && java.util.Arrays.equals(labels, t.labels);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(labels);
    }

    public static Target outbound(String authority, WeightedAddr endpoint, Map<String, String> serviceLabels) {
      return outbound(authority, endpoint, serviceLabels, Tls.NOT_PROVIDED_BY_DISCOVERY);
    }

    public static Target outbound(String authority, WeightedAddr endpoint, Map<String, String> serviceLabels, Tls tls) {
      Map<String, String> l = endpoint == null ? Map.of() : endpoint.getMetricLabelsMap();
      return new Target(new String[] {"outbound", authority,
          l.getOrDefault("namespace", serviceLabels.getOrDefault("namespace", "")), serviceLabels.getOrDefault("service", ""),
          l.getOrDefault("deployment", ""), l.getOrDefault("pod", ""), l.getOrDefault("serviceaccount", ""),
          tls.tls(), tls.serverId(), tls.clientId(), tls.noTlsReason()});
    }

    /** A request this pod's proxy received for its application. */
    public static Target inbound(String authority, Tls tls) {
      return new Target(new String[] {"inbound", authority, "", "", "", "", "", tls.tls(), tls.serverId(), tls.clientId(),
          tls.noTlsReason()});
    }
  }

  public void requested(Target target) {
    series(target).requests.inc();
  }

  /** A target's data points, found with one lookup per request rather than one per family. */
  private Series series(Target target) {
    return series.computeIfAbsent(target, t -> new Series(requests.labelValues(t.labels())));
  }

  /** The data points of one target: its request count, and per status its response count and latency. */
  private final class Series {
    private final CounterDataPoint requests;
    private final ConcurrentHashMap<Integer, Answered> answered = new ConcurrentHashMap<>();

    Series(CounterDataPoint requests) {
      this.requests = requests;
    }

    /** {@code key}: the status code, doubled, plus one for a failure (a gRPC failure can be a 200). */
    Answered answered(Target target, int status, boolean failure) {
      return answered.computeIfAbsent(status * 2 + (failure ? 1 : 0), key -> {
        String code = StatusCodes.text(status);
        return new Answered(responses.labelValues(concat(target.labels(), code, failure ? "failure" : "success")),
            latency.labelValues(concat(target.labels(), code)));
      });
    }
  }

  private record Answered(CounterDataPoint responses, DistributionDataPoint latency) {}

  /**
   * Counts every request and its response (at the response's head) in the families of the
   * {@link Target} that {@code target} names for it once it has been answered (the endpoint a
   * balancer picked is known only then).
   */
  public Layer<Request, Response> layer(Function<Request, Target> target) {
    return inner -> request -> {
      long received = System.nanoTime();
      return inner.call(request).whenComplete((response, error) -> {
        Target t = target.apply(request);
        requested(t);
        if (response != null) {
          responded(t, response, System.nanoTime() - received);
        }
      });
    };
  }

  /** As {@link #responded(Target, int, boolean, long)}, classifying a gRPC answer by its {@code grpc-status}. */
  public void responded(Target target, Response response, long elapsedNanos) {
    String grpc = response.headers().get(GRPC_STATUS);
    responded(target, response.status(), grpc != null && !grpc.equals(GRPC_OK), elapsedNanos);
  }

  /** A response's head went out {@code elapsedNanos} after its request's head came in. */
  public void responded(Target target, int status, boolean grpcFailure, long elapsedNanos) {
    Answered answered = series(target).answered(target, status, status >= 500 || grpcFailure);
    answered.responses().inc();
    answered.latency().observe(elapsedNanos / 1_000_000.0);
  }


  /** {@code head}'s labels followed by {@code tail}'s. */
  static String[] concat(String[] head, String... tail) {
    String[] all = new String[head.length + tail.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(tail, 0, all, head.length, tail.length);
    return all;
  }
}
