package io.weft.viz.api;

import io.weft.viz.query.Edge;
import io.weft.viz.query.ResourceRef;
import io.weft.viz.query.RouteRow;
import io.weft.viz.query.StatRequest;
import io.weft.viz.query.StatRow;
import io.weft.viz.query.VizKind;
import io.weft.viz.tap.TapQuery;
import io.weft.viz.tap.TapView;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the viz service answers, as its HTTP API serves it. */
public interface VizApi {
  List<StatRow> stat(StatRequest request);

  List<Edge> edges(VizKind kind, Optional<String> namespace, Duration window);

  List<RouteRow> routes(ResourceRef target, String namespace, Optional<ResourceRef> from, String fromNamespace, Duration window);

  Source<TapView, NotUsed> tap(TapQuery query);

  /**
   * The control plane's diagnostics feed for {@code namespace}: the endpoint updates of its Services'
   * ports and the control plane's event tail, JSON messages as the control plane sends them.
   */
  Source<String, NotUsed> feed(String namespace);

  /** Namespaces, and in each the workloads with their pods. */
  Map<String, Map<String, List<String>>> pods();

  /** Whether the cluster's state at start has been read. */
  boolean ready();

  /** How often the numbers change (the scrape interval): what a live view pushes at. */
  Duration refreshInterval();
}
