package io.weft.cli;

import io.weft.protocol.net.Authority;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import io.weft.operator.admission.AdmissionWebhooks;
import io.weft.operator.inject.InjectionSettings;
import java.util.ArrayList;
import java.util.List;
import io.weft.actors.ControlPlane;
import org.apache.pekko.actor.AddressFromURIString;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Optional;

@Command(name = "control-plane", description = "Run a control-plane node (Destination and Identity APIs) until stopped.")
final class ControlPlaneCommand implements Runnable {
  @Mixin ClusterOptions cluster;

  @Option(names = "--join", paramLabel = "HOST:PORT", converter = AuthorityConverter.class,
      description = "Join the control-plane node at this cluster address instead of forming a new cluster.")
  Authority join;

  @Option(names = "--identity-trust-anchors-file", paramLabel = "FILE", description = "PEM trust anchors (with the two options below; "
      + "without them the issuer is read from the cluster's linkerd-identity-issuer Secret).")
  Path trustAnchors;

  @Option(names = "--identity-issuer-certificate-file", paramLabel = "FILE", description = "PEM issuer certificate.")
  Path issuerCertificate;

  @Option(names = "--identity-issuer-key-file", paramLabel = "FILE", description = "PEM issuer private key.")
  Path issuerKey;

  @Option(names = "--webhook-port", paramLabel = "PORT",
      description = "Serve the admission webhooks (HTTPS: the proxy injector at /inject, the ServiceProfile and policy "
          + "validators at /validate) on this port; needs the two options below and the injector's trust anchors.")
  Integer webhookPort;

  @Option(names = "--webhook-certificate-file", paramLabel = "FILE", description = "PEM certificate chain of the webhooks.")
  Path webhookCertificate;

  @Option(names = "--webhook-key-file", paramLabel = "FILE", description = "PEM private key of the webhooks.")
  Path webhookKey;

  @Option(names = "--proxy-injector-trust-anchors-file", paramLabel = "FILE",
      description = "The trust anchors injected proxies get (default: --identity-trust-anchors-file).")
  Path injectorTrustAnchors;

  @Override
  public void run() {
    List<String> identity = new ArrayList<>();
    if (trustAnchors != null) {
      identity.add("weft.identity.trust-anchors-file = \"" + trustAnchors.toAbsolutePath() + "\"");
    }
    if (issuerCertificate != null) {
      identity.add("weft.identity.issuer-certificate-file = \"" + issuerCertificate.toAbsolutePath() + "\"");
    }
    if (issuerKey != null) {
      identity.add("weft.identity.issuer-key-file = \"" + issuerKey.toAbsolutePath() + "\"");
    }
    var config = ConfigFactory.parseString(String.join("\n", identity)).withFallback(cluster.config());
    ControlPlane controlPlane = ControlPlane.start(config, cluster.backend(config), Optional.ofNullable(join)
        .map(j -> AddressFromURIString.parse("pekko://" + ControlPlane.SYSTEM_NAME + "@" + j)), webhooks(config));
    Runtime.getRuntime().addShutdownHook(new Thread(controlPlane::close, "control-plane-shutdown"));
    controlPlane.system().getWhenTerminated().toCompletableFuture().join();
  }

  /** The admission webhooks, when asked for; the injector decides from the namespaces the node's index holds. */
  private Optional<AdmissionWebhooks.Settings> webhooks(com.typesafe.config.Config config) {
    if (webhookPort == null) {
      return Optional.empty();
    }
    Path anchors = injectorTrustAnchors != null ? injectorTrustAnchors : trustAnchors;
    if (webhookCertificate == null || webhookKey == null || anchors == null) {
      throw new IllegalArgumentException("--webhook-port needs --webhook-certificate-file, --webhook-key-file and the "
          + "trust anchors (--proxy-injector-trust-anchors-file or --identity-trust-anchors-file)");
    }
    try {
      var injection = InjectionSettings.from(config, Weft.version(), Files.readString(anchors),
          "weft/proxy-injector " + Weft.version());
      return Optional.of(new AdmissionWebhooks.Settings("0.0.0.0", webhookPort, Files.readString(webhookCertificate),
          Files.readString(webhookKey), injection));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read the webhooks' files: " + e.getMessage(), e);
    }
  }
}
