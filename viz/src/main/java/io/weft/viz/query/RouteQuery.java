package io.weft.viz.query;

import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ServiceProfileResource;
import io.weft.k8s.model.ServiceResource;
import io.weft.protocol.admin.PrometheusSamples.Sample;
import io.weft.viz.inventory.MeshInventory;
import io.weft.viz.metrics.MetricSource;
import io.weft.viz.metrics.Scrape;
import io.weft.k8s.model.ResourceKey;
import java.util.function.Function;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Linkerd's {@code viz routes}: per route of a Service — its ServiceProfile's routes (every one,
 * traffic or not, then {@code [DEFAULT]}), else the HTTPRoute and GRPCRoute routes its callers
 * took — from the callers' route metrics, over the window.
 */
public final class RouteQuery {
  private static final double MS_PER_SECOND = 1000;

  private RouteQuery() {}

  /**
   * {@code target}: a Service, or a workload (the Services whose selectors pick its pods);
   * {@code from}: only these callers (else every meshed pod).
   */
  public static List<RouteRow> run(ResourceRef target, String namespace, Optional<ResourceRef> from, String fromNamespace,
                                   Duration window, String clusterDomain, MeshInventory inventory, MetricSource metrics) {
    List<PodResource> callers = inventory.meshedPods().stream().filter(p -> from.isEmpty() || from.get().picks(p, fromNamespace))
        .toList();
    List<RouteRow> rows = new ArrayList<>();
    Function<ResourceKey, Scrape[]> history = metrics.window(window);
    for (ServiceResource service : targets(target, namespace, inventory)) {
      String fqdn = service.meta().name() + "." + namespace + ".svc." + clusterDomain;
      Optional<ServiceProfileResource> profile = inventory.profile(namespace, fqdn);
      if (profile.isPresent()) {
        rows.addAll(profileRoutes(service, profile.get(), fqdn, callers, window, history));
      } else {
        rows.addAll(policyRoutes(service, callers, window, history));
      }
    }
    return rows;
  }

  private static List<ServiceResource> targets(ResourceRef target, String namespace, MeshInventory inventory) {
    String name = target.name().orElseThrow(() -> new IllegalArgumentException("routes are of one resource: KIND/NAME"));
    if (target.kind() == VizKind.SERVICE) {
      return inventory.service(namespace, name).map(List::of)
          .orElseThrow(() -> new IllegalArgumentException("service " + namespace + "/" + name + " does not exist"));
    }
    List<PodResource> pods = inventory.allPods().stream().filter(p -> target.picks(p, namespace)).toList();
    if (pods.isEmpty()) {
      throw new IllegalArgumentException(target + " in " + namespace + " has no pods");
    }
    return inventory.services().values().stream().filter(s -> pods.stream().anyMatch(s::selects)).toList();
  }

  private static List<RouteRow> profileRoutes(ServiceResource service, ServiceProfileResource profile, String fqdn,
                                              List<PodResource> callers, Duration window, Function<ResourceKey, Scrape[]> history) {
    Map<String, String> names = new LinkedHashMap<>();
    profile.routes().forEach(r -> names.put(r.name(), r.name()));
    names.put("", RouteRow.DEFAULT);
    List<RouteRow> rows = new ArrayList<>();
    Predicate<Sample> toService = s -> s.label("direction").equals("outbound") && s.label("dst").startsWith(fqdn + ":");
    for (Map.Entry<String, String> route : names.entrySet()) {
      Predicate<Sample> labels = toService.and(s -> s.label("rt_route").equals(route.getKey()));
      Tally effective = new Tally();
      Tally actual = new Tally();
      TreeMap<Double, Double> buckets = new TreeMap<>();
      for (PodResource pod : callers) {
        PodWindow w = PodWindow.of(history.apply(pod.key()), window);
        if (w != null && w.seconds() > 0) {
          effective.add(w, "route_response_total", labels, s -> s.label("classification").equals("success"));
          actual.add(w, "route_actual_response_total", labels, s -> s.label("classification").equals("success"));
          w.bucketIncrease("route_response_latency_ms_bucket", labels, buckets);
        }
      }
      rows.add(row(route.getValue(), service, effective, actual, buckets, 1));
    }
    return rows;
  }

  /** Routes of HTTPRoutes and GRPCRoutes whose parent is {@code service}, named as the callers' metrics name them. */
  private static List<RouteRow> policyRoutes(ServiceResource service, List<PodResource> callers, Duration window,
                                             Function<ResourceKey, Scrape[]> history) {
    Predicate<Sample> parent = s -> s.label("parent_name").equals(service.meta().name())
        && s.label("parent_namespace").equals(service.meta().namespace());
    Map<String, Tally> effective = new TreeMap<>();
    Map<String, Tally> actual = new TreeMap<>();
    Map<String, TreeMap<Double, Double>> buckets = new TreeMap<>();
    for (String family : List.of("outbound_http_route", "outbound_grpc_route")) {
      boolean grpc = family.contains("grpc");
      Predicate<Sample> success = s -> s.label("error").isEmpty()
          && (grpc ? s.label("grpc_status").equals("0") : !s.label("http_status").startsWith("5"));
      for (PodResource pod : callers) {
        PodWindow w = PodWindow.of(history.apply(pod.key()), window);
        if (w == null || w.seconds() <= 0) {
          continue;
        }
        for (String route : w.labelValues(family + "_request_statuses_total", parent, "route_name")) {
          Predicate<Sample> labels = parent.and(s -> s.label("route_name").equals(route));
          effective.computeIfAbsent(route, r -> new Tally()).add(w, family + "_request_statuses_total", labels, success);
          actual.computeIfAbsent(route, r -> new Tally()).add(w, family + "_backend_response_statuses_total", labels, success);
          w.bucketIncrease(family + "_request_duration_seconds_bucket", labels, buckets.computeIfAbsent(route, r -> new TreeMap<>()));
        }
      }
    }
    List<RouteRow> rows = new ArrayList<>();
    effective.forEach((route, tally) -> rows.add(row(route, service, tally, actual.get(route), buckets.get(route), MS_PER_SECOND)));
    return rows;
  }

  private static RouteRow row(String route, ServiceResource service, Tally effective, Tally actual, TreeMap<Double, Double> buckets,
                              double toMillis) {
    if (!effective.measured) {
      return new RouteRow(route, service.meta().name(), service.meta().namespace(), null, null, null, null, null, null, null, null);
    }
    TreeMap<Double, Double> ms = new TreeMap<>();
    buckets.forEach((le, count) -> ms.put(le * toMillis, count));
    return new RouteRow(route, service.meta().name(), service.meta().namespace(), Math.round(effective.total),
        effective.success(), effective.total > 0 ? effective.rps : null, actual.success(), actual.total > 0 ? actual.rps : null,
        box(Quantiles.of(0.5, ms)), box(Quantiles.of(0.95, ms)), box(Quantiles.of(0.99, ms)));
  }

  private static Double box(java.util.OptionalDouble value) {
    return value.isPresent() ? value.getAsDouble() : null;
  }

  /** Responses and successes of one route, summed over callers. */
  private static final class Tally {
    double total;
    double successes;
    double rps;
    boolean measured;

    void add(PodWindow window, String family, Predicate<Sample> labels, Predicate<Sample> success) {
      measured = true;
      double n = window.increase(family, labels);
      total += n;
      successes += window.increase(family, labels.and(success));
      rps += n / window.seconds();
    }

    Double success() {
      return total > 0 ? successes / total : null;
    }
  }
}
