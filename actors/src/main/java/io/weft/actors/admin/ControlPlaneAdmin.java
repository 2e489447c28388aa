package io.weft.actors.admin;

import io.weft.operator.admission.AdmissionMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weft.protocol.admin.PrometheusText;
import io.weft.protocol.admin.ProbeRoutes;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

import java.util.concurrent.CompletionStage;

/**
 * A control-plane node's admin port (Linkerd's destination admin, 9996): {@code /live},
 * {@code /ready} once the node serves a complete view and is an Up member of the cluster,
 * {@code /metrics}, and the diagnostics feed ({@code /feed}, {@link DiagnosticsFeed}).
 */
public final class ControlPlaneAdmin {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final AdmissionMetrics admission = new AdmissionMetrics(registry);

  public AdmissionMetrics admission() {
    return admission;
  }

  public String scrape() {
    return PrometheusText.scrape(registry);
  }

  /**
   * Serves the admin paths and the diagnostics {@code feed}; bound once the node's initial state is
   * applied, so ready means Up.
   */
  public CompletionStage<ServerBinding> bind(ActorSystem<?> system, String interface_, int port, DiagnosticsFeed feed) {
    Cluster cluster = Cluster.get(system);
    ProbeRoutes routes = new ProbeRoutes(() -> cluster.selfMember().status() == MemberStatus.up(), this::scrape);
    return Http.get(system).newServerAt(interface_, port).bind(routes.concat(routes.route(), feed.route()));
  }
}
