package io.weft.viz.query;

import io.weft.k8s.model.PodResource;
import io.weft.protocol.admin.PrometheusSamples.Sample;
import io.weft.viz.inventory.MeshInventory;
import io.weft.viz.metrics.MetricSource;
import io.weft.viz.metrics.Scrape;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Linkerd's {@code viz edges}: which resources called which in the window, from the callers'
 * outbound {@code response_total} ({@code dst_*} names the callee, {@code tls} whether it was mTLS).
 */
public final class EdgeQuery {
  private EdgeQuery() {}

  /** {@code identityOf}: a pod's mesh identity (its proxy's client identity). */
  public static List<Edge> run(VizKind kind, Optional<String> namespace, Duration window, MeshInventory inventory,
                               MetricSource metrics, Function<PodResource, String> identityOf) {
    if (kind == VizKind.SERVICE || kind == VizKind.NAMESPACE) {
      throw new IllegalArgumentException("edges are between workloads or pods, not " + kind.displayName() + "s");
    }
    Map<String, Edge> edges = new TreeMap<>();
    java.util.function.Function<io.weft.k8s.model.ResourceKey, Scrape[]> history = metrics.window(window);
    for (PodResource pod : inventory.meshedPods()) {
      Optional<String> source = kind.of(pod);
      Scrape[] scrapes = history.apply(pod.key());
      PodWindow w = PodWindow.of(scrapes, window);
      if (source.isEmpty() || w == null) {
        continue;
      }
      String clientId = identityOf.apply(pod);
      for (Sample s : scrapes[scrapes.length - 1].samples()) {
        String destination = s.label(kind.dstLabel());
        String dstNamespace = s.label("dst_namespace");
        if (!s.name().equals("response_total") || !s.label("direction").equals("outbound") || destination.isEmpty()
            || w.growth(s) <= 0) {
          continue;
        }
        if (namespace.isPresent() && !namespace.get().equals(pod.meta().namespace()) && !namespace.get().equals(dstNamespace)) {
          continue;
        }
        boolean secured = s.label("tls").equals("true");
        Edge edge = new Edge(source.get(), destination, pod.meta().namespace(), dstNamespace, secured, secured ? clientId : "",
            s.label("server_id"));
        edges.merge(pod.meta().namespace() + "/" + source.get() + " " + dstNamespace + "/" + destination, edge,
            (a, b) -> new Edge(a.source(), a.destination(), a.sourceNamespace(), a.destinationNamespace(),
                a.secured() && b.secured(), a.secured() && b.secured() ? a.clientId() : "",
                a.serverId().isEmpty() ? b.serverId() : a.serverId()));
      }
    }
    return List.copyOf(edges.values());
  }
}
