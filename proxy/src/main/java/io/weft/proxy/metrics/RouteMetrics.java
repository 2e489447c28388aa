package io.weft.proxy.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weft.streams.http.Request;
import io.weft.streams.http.StatusCodes;
import io.weft.streams.http.Response;
import io.weft.streams.service.Layer;

import java.util.function.Predicate;

/**
 * Linkerd's per-route families for a profile's routes: {@code route_request_total},
 * {@code route_response_total} and {@code route_response_latency_ms} count what the caller saw
 * (after retries, "effective"); {@code route_actual_request_total} and
 * {@code route_actual_response_total} count each attempt ("actual"); {@code route_retryable_total}
 * counts retries the budget refused ({@code skipped="no_budget"}). Labelled by {@code direction},
 * {@code dst} (the logical authority) and {@code rt_route} (the route's name), as
 * {@code linkerd viz routes} reads them.
 */
public final class RouteMetrics {
  private static final String[] ROUTE_LABELS = {"direction", "dst", "rt_route"};
  private static final String NO_BUDGET = "no_budget";

  private final Counter requests;
  private final Counter responses;
  private final Histogram latency;
  private final Counter actualRequests;
  private final Counter actualResponses;
  private final Counter retryable;

  RouteMetrics(PrometheusRegistry registry) {
    requests = Counter.builder().name("route_request_total").help("Total count of HTTP requests, per route.")
        .labelNames(ROUTE_LABELS).withoutExemplars().register(registry);
    responses = Counter.builder().name("route_response_total").help("Total count of HTTP responses, per route.")
        .labelNames(HttpMetrics.concat(ROUTE_LABELS, "status_code", "classification")).withoutExemplars().register(registry);
    latency = Histogram.builder().name("route_response_latency_ms")
        .help("Elapsed times between a request's headers being received and its response headers being sent, per route.")
        .classicOnly().classicUpperBounds(HttpMetrics.LATENCY_BUCKETS_MS).labelNames(HttpMetrics.concat(ROUTE_LABELS, "status_code")).withoutExemplars().register(registry);
    actualRequests = Counter.builder().name("route_actual_request_total")
        .help("Total count of HTTP requests sent to endpoints, retries included, per route.").labelNames(ROUTE_LABELS).withoutExemplars().register(registry);
    actualResponses = Counter.builder().name("route_actual_response_total")
        .help("Total count of HTTP responses from endpoints, retries included, per route.")
        .labelNames(HttpMetrics.concat(ROUTE_LABELS, "status_code", "classification")).withoutExemplars().register(registry);
    retryable = Counter.builder().name("route_retryable_total").help("Total count of retryable HTTP responses, per route.")
        .labelNames(HttpMetrics.concat(ROUTE_LABELS, "skipped")).withoutExemplars().register(registry);
  }

  /** One route of one logical destination, seen from {@code direction}; {@code failure} classifies its answers. */
  public Route route(String direction, String dst, String route, Predicate<Response> failure) {
    return new Route(new String[] {direction, dst, route}, failure);
  }

  /** The families' series for one route. */
  public final class Route {
    private final String[] labels;
    private final Predicate<Response> failure;
    private final CounterDataPoint requested;
    private final CounterDataPoint actuallyRequested;
    private final CounterDataPoint noBudget;

    private Route(String[] labels, Predicate<Response> failure) {
      this.labels = labels;
      this.failure = failure;
      this.requested = requests.labelValues(labels);
      this.actuallyRequested = actualRequests.labelValues(labels);
      this.noBudget = retryable.labelValues(HttpMetrics.concat(labels, NO_BUDGET));
    }

    /** Counts what the caller sees: each request and its final answer, with its latency to the head. */
    public Layer<Request, Response> effective() {
      return inner -> request -> {
        long received = System.nanoTime();
        return inner.call(request).whenComplete((response, error) -> {
          requested.inc();
          if (response != null) {
            String code = StatusCodes.text(response.status());
            responses.labelValues(HttpMetrics.concat(labels, code, classification(response))).inc();
            latency.labelValues(HttpMetrics.concat(labels, code)).observe((System.nanoTime() - received) / 1_000_000.0);
          }
        });
      };
    }

    /** Counts each attempt sent to the backends and its answer. */
    public Layer<Request, Response> actual() {
      return inner -> request -> inner.call(request).whenComplete((response, error) -> {
        actuallyRequested.inc();
        if (response != null) {
          actualResponses.labelValues(HttpMetrics.concat(labels, StatusCodes.text(response.status()), classification(response))).inc();
        }
      });
    }

    /** A retryable failure that was not retried: the budget was spent. */
    public void retrySkippedForBudget() {
      noBudget.inc();
    }

    private String classification(Response response) {
      return failure.test(response) ? "failure" : "success";
    }
  }
}
