package io.weft.actors.admin;

import io.weft.actors.ControlPlane;
import io.weft.actors.ControlPlaneSettings;
import io.weft.actors.TestConfigs;
import io.weft.k8s.local.LocalClusterBackend;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A control-plane node's admin port: live at once, ready only as an Up member, metrics in Prometheus text. */
class ControlPlaneAdminTest {
  @Test
  void readyOnlyOnceTheNodeIsAnUpClusterMember(@TempDir Path manifests) throws Exception {
    var config = TestConfigs.node(null, false);
    try (ControlPlane node = ControlPlane.start(config, new LocalClusterBackend(manifests,
             ControlPlaneSettings.from(config).localCluster()), Optional.empty());
         HttpClient http = HttpClient.newHttpClient()) {
      String admin = "http://127.0.0.1:" + node.adminPort();
      assertThat(get(http, admin + "/live").statusCode()).isEqualTo(200);
      // Not joined to any cluster: serving, but not to be sent traffic by a Service.
      assertThat(get(http, admin + "/ready").statusCode()).isEqualTo(503);
      Cluster cluster = Cluster.get(node.system());
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
      await().atMost(Duration.ofSeconds(30)).until(() -> get(http, admin + "/ready").statusCode() == 200);
      node.admin().admission().validation("Server", false);
      HttpResponse<String> metrics = get(http, admin + "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("admission_validations_total{allowed=\"false\",kind=\"Server\"} 1.0");
    }
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
