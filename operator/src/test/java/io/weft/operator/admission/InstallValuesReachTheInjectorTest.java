package io.weft.operator.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.weft.operator.admission.AdmissionReviews;
import io.weft.operator.inject.InjectionSettings;
import io.weft.operator.inject.ProxyInjector;
import io.weft.operator.install.InstallManifests;
import io.weft.operator.install.InstallValues;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** An install's values reach the pods the control plane injects, through the configuration file it is given. */
class InstallValuesReachTheInjectorTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theProxyImageVersionUidAndNamesComeFromTheValues() throws Exception {
    InstallValues values = InstallValues.defaults().withSet("proxy.image.name=registry.local/proxy")
        .withSet("proxy.image.version=7.7.7").withSet("proxy.uid=3000").withSet("identityTrustDomain=mesh.example")
        .withSet("cniEnabled=true");
    String file = InstallManifests.controlPlaneObjects(new InstallManifests.Install("mesh", "1.0.0", values,
            InstallManifests.Credentials.none())).stream()
        .filter(o -> o.path("metadata").path("name").asText().equals("weft-control-plane-config")).findFirst().orElseThrow()
        .path("data").path("control-plane.conf").asText();
    // As the StatefulSet runs it: -Dconfig.file over the references.
    Config config = ConfigFactory.parseString(file).withFallback(ConfigFactory.parseMap(Map.of("POD_IP", "10.0.0.7")))
        .withFallback(ConfigFactory.load()).resolve();
    InjectionSettings settings = InjectionSettings.from(config, "1.0.0", "ANCHORS", "weft/test");
    String review = """
        {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
         "request": {"uid": "u", "namespace": "shop", "object": {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "web", "annotations": {"linkerd.io/inject": "enabled"}},
           "spec": {"containers": [{"name": "web", "image": "web"}]}}}}
        """;
    JsonNode response = JSON.readTree(new AdmissionReviews(new ProxyInjector(settings), ns -> java.util.concurrent.CompletableFuture.completedFuture(Map.of()),
        io.weft.operator.admission.AdmissionObserver.NONE).inject(review).toCompletableFuture().join())
        .path("response");
    String patch = new String(Base64.getDecoder().decode(response.path("patch").asText()), StandardCharsets.UTF_8);
    assertThat(patch).contains("\"image\":\"registry.local/proxy:7.7.7\"").contains("\"runAsUser\":3000")
        .contains("identity.mesh.mesh.example").contains("linkerd-dst-headless.mesh.svc.cluster.local.:8086")
        .doesNotContain("linkerd-init");
  }
}
