package io.weft.proxy.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weft.streams.http.Request;
import io.weft.streams.http.StatusCodes;
import io.weft.streams.http.Response;
import io.weft.streams.service.Layer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Linkerd's families for the routes of outbound policy (HTTPRoutes, GRPCRoutes and the default
 * route): {@code outbound_http_route_request_duration_seconds} and
 * {@code outbound_http_route_request_statuses_total} for what the caller saw,
 * {@code outbound_http_route_backend_requests_total} and
 * {@code outbound_http_route_backend_response_statuses_total} for each request a backend got,
 * {@code outbound_http_route_retry_requests_total} for retries — and the same as
 * {@code outbound_grpc_route_*} (with {@code grpc_status}) for gRPC routes. Labelled by the parent
 * Service ({@code parent_*}), the route ({@code route_*}) and the backend ({@code backend_*}).
 */
public final class PolicyRouteMetrics {
  private static final String[] PARENT = {"parent_group", "parent_kind", "parent_name", "parent_namespace", "parent_port", "parent_section_name"};
  private static final String[] ROUTE = {"route_group", "route_kind", "route_name", "route_namespace"};
  private static final String[] BACKEND = {"backend_group", "backend_kind", "backend_name", "backend_namespace", "backend_port",
      "backend_section_name"};
  private static final double[] DURATION_BUCKETS_SECONDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  private static final String NO_STATUS = "";

  private final Families http;
  private final Families grpc;

  PolicyRouteMetrics(PrometheusRegistry registry) {
    http = new Families(registry, false);
    grpc = new Families(registry, true);
  }

  /** The series of one route; {@code grpc} picks the gRPC families. */
  public Route route(boolean grpc, Map<String, String> parent, Map<String, String> route) {
    String[] labels = HttpMetrics.concat(values(parent, PARENT), values(route, ROUTE));
    return new Route(grpc ? this.grpc : http, labels);
  }

  private static final class Families {
    final Histogram duration;
    final Counter statuses;
    final Counter backendRequests;
    final Counter backendStatuses;
    final Counter retries;
    final boolean grpc;

    Families(PrometheusRegistry registry, boolean grpc) {
      this.grpc = grpc;
      String prefix = grpc ? "outbound_grpc_route" : "outbound_http_route";
      String status = grpc ? "grpc_status" : "http_status";
      String protocol = grpc ? "gRPC" : "HTTP";
      String[] routeLabels = HttpMetrics.concat(PARENT, ROUTE);
      String[] backendLabels = HttpMetrics.concat(routeLabels, BACKEND);
      duration = Histogram.builder().name(prefix + "_request_duration_seconds")
          .help("The time between the head of a request on a " + protocol + " route arriving and its response head leaving.")
          .classicOnly().classicUpperBounds(DURATION_BUCKETS_SECONDS).labelNames(routeLabels).withoutExemplars().register(registry);
      statuses = Counter.builder().name(prefix + "_request_statuses_total")
          .help("Completed requests on " + protocol + " routes, by the status the caller saw.")
          .labelNames(HttpMetrics.concat(routeLabels, status, "error")).withoutExemplars().register(registry);
      backendRequests = Counter.builder().name(prefix + "_backend_requests_total")
          .help("Requests sent by " + protocol + " routes to each of their backends, retries included.").labelNames(backendLabels).withoutExemplars().register(registry);
      backendStatuses = Counter.builder().name(prefix + "_backend_response_statuses_total")
          .help("Responses from each backend of " + protocol + " routes, by status.")
          .labelNames(HttpMetrics.concat(backendLabels, status, "error")).withoutExemplars().register(registry);
      retries = Counter.builder().name(prefix + "_retry_requests_total").help("Retries made by " + protocol + " routes.")
          .labelNames(routeLabels).withoutExemplars().register(registry);
    }

    String status(Response response) {
      if (!grpc) {
        return StatusCodes.text(response.status());
      }
      String code = response.headers().get("grpc-status");
      return code == null ? NO_STATUS : code;
    }
  }

  /** One route's series. */
  public static final class Route {
    private final Families families;
    private final String[] labels;
    private final DistributionDataPoint duration;
    private final CounterDataPoint retries;

    private Route(Families families, String[] labels) {
      this.families = families;
      this.labels = labels;
      this.duration = families.duration.labelValues(labels);
      this.retries = families.retries.labelValues(labels);
    }

    /** Counts what the caller sees: each request's final status and its time to the response head. */
    public Layer<Request, Response> requests() {
      Outcomes statuses = new Outcomes(families.statuses, labels);
      return inner -> request -> {
        long received = System.nanoTime();
        return inner.call(request).whenComplete((response, error) -> {
          duration.observe((System.nanoTime() - received) / 1e9);
          statuses.count(response == null ? NO_STATUS : families.status(response), error);
        });
      };
    }

    /** Counts each request sent to the backend {@code backend} labels, and its answer. */
    public Layer<Request, Response> backend(Map<String, String> backend) {
      String[] backendLabels = HttpMetrics.concat(labels, values(backend, BACKEND));
      CounterDataPoint requested = families.backendRequests.labelValues(backendLabels);
      Outcomes statuses = new Outcomes(families.backendStatuses, backendLabels);
      return inner -> request -> {
        requested.inc();
        return inner.call(request).whenComplete((response, error) ->
            statuses.count(response == null ? NO_STATUS : families.status(response), error));
      };
    }

    public void retried() {
      retries.inc();
    }
  }

  /**
   * A status family's series for fixed labels, by status and error. The series of answers without
   * an error are kept at hand (few: one per status seen): finding one in the family per request
   * cost a list of every label value and its hash.
   */
  private static final class Outcomes {
    private final Counter family;
    private final String[] labels;
    private final ConcurrentHashMap<String, CounterDataPoint> answered = new ConcurrentHashMap<>();

    Outcomes(Counter family, String[] labels) {
      this.family = family;
      this.labels = labels;
    }

    void count(String status, Throwable error) {
      if (error != null) {
        family.labelValues(HttpMetrics.concat(labels, status, error.getClass().getSimpleName())).inc();
        return;
      }
      CounterDataPoint point = answered.get(status);
      if (point == null) {
        point = answered.computeIfAbsent(status, s -> family.labelValues(HttpMetrics.concat(labels, s, "")));
      }
      point.inc();
    }
  }

  private static String[] values(Map<String, String> labels, String[] names) {
    String[] values = new String[names.length];
    for (int i = 0; i < names.length; i++) {
      values[i] = labels.getOrDefault(names[i], "");
    }
    return values;
  }
}
