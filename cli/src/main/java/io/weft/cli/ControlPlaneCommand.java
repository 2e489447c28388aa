package io.weft.cli;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
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

  @Option(names = "--join", paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
      description = "Join the control-plane node at this cluster address instead of forming a new cluster.")
  HostPort join;

  @Option(names = "--identity-trust-anchors-file", paramLabel = "FILE", description = "PEM trust anchors (with the two options below; "
      + "without them the issuer is read from the cluster's linkerd-identity-issuer Secret).")
  Path trustAnchors;

  @Option(names = "--identity-issuer-certificate-file", paramLabel = "FILE", description = "PEM issuer certificate.")
  Path issuerCertificate;

  @Option(names = "--identity-issuer-key-file", paramLabel = "FILE", description = "PEM issuer private key.")
  Path issuerKey;

  @Option(names = "--proxy-injector-port", paramLabel = "PORT",
      description = "Serve the proxy injector's admission webhook (HTTPS) on this port; needs the two options below and "
          + "--identity-trust-anchors-file.")
  Integer injectorPort;

  @Option(names = "--proxy-injector-certificate-file", paramLabel = "FILE", description = "PEM certificate chain of the webhook.")
  Path injectorCertificate;

  @Option(names = "--proxy-injector-key-file", paramLabel = "FILE", description = "PEM private key of the webhook.")
  Path injectorKey;

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
        .map(j -> AddressFromURIString.parse("pekko://" + ControlPlane.SYSTEM_NAME + "@" + j)));
    Runtime.getRuntime().addShutdownHook(new Thread(controlPlane::close, "control-plane-shutdown"));
    if (injectorPort != null) {
      serveInjector(controlPlane);
    }
    controlPlane.system().getWhenTerminated().toCompletableFuture().join();
  }

  /** The injector webhook, deciding from the namespaces this node's index holds. */
  private void serveInjector(ControlPlane controlPlane) {
    Path anchors = injectorTrustAnchors != null ? injectorTrustAnchors : trustAnchors;
    if (injectorCertificate == null || injectorKey == null || anchors == null) {
      throw new IllegalArgumentException("--proxy-injector-port needs --proxy-injector-certificate-file, "
          + "--proxy-injector-key-file and the trust anchors (--proxy-injector-trust-anchors-file or --identity-trust-anchors-file)");
    }
    try {
      var settings = io.weft.k8s.inject.InjectionSettings.defaults(Weft.version(), java.nio.file.Files.readString(anchors),
          "weft/proxy-injector " + Weft.version());
      io.weft.actors.inject.InjectorWebhook.bind(controlPlane, "0.0.0.0", injectorPort,
          java.nio.file.Files.readString(injectorCertificate), java.nio.file.Files.readString(injectorKey), settings)
          .toCompletableFuture().join();
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read the proxy injector's files: " + e.getMessage(), e);
    }
  }
}
