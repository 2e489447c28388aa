package io.weft.demo;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Linkerd's {@code viz edges}: which deployment called which, and whether every request between
 * them travelled over mesh TLS, from the callers' outbound {@code response_total}.
 */
public final class Edges {
  /** One caller → callee pair; {@code secured}: all its requests were mTLS. */
  public record Edge(String source, String destination, String sourceNamespace, String destinationNamespace, boolean secured) {}

  /** One proxy's metrics and where it runs. */
  public record Caller(String deployment, String namespace, MetricSnapshots metrics) {}

  private Edges() {}

  public static List<Edge> of(List<Caller> callers) {
    Map<String, Edge> edges = new TreeMap<>();
    for (Caller caller : callers) {
      for (MetricSnapshot metric : caller.metrics()) {
        if (!(metric instanceof CounterSnapshot counter) || !metric.getMetadata().getName().equals("response")) {
          continue;
        }
        for (var point : counter.getDataPoints()) {
          var labels = point.getLabels();
          String destination = labels.get("dst_deployment");
          if (!"outbound".equals(labels.get("direction")) || destination == null || destination.isEmpty()) {
            continue;
          }
          String ns = labels.get("dst_namespace");
          boolean secured = "true".equals(labels.get("tls"));
          String key = caller.namespace() + "/" + caller.deployment() + " " + ns + "/" + destination;
          edges.merge(key, new Edge(caller.deployment(), destination, caller.namespace(), ns, secured),
              (a, b) -> new Edge(a.source(), a.destination(), a.sourceNamespace(), a.destinationNamespace(), a.secured() && b.secured()));
        }
      }
    }
    return List.copyOf(edges.values());
  }
}
