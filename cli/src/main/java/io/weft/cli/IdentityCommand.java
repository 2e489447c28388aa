package io.weft.cli;

import io.weft.protocol.identity.CertificateAuthority;
import io.weft.protocol.identity.MeshPki;
import io.weft.k8s.identity.LocalTokens;
import io.weft.k8s.model.PodResource;
import io.weft.protocol.identity.MeshIdentity;
import io.weft.protocol.identity.Pem;
import io.weft.protocol.identity.PemKeys;
import io.weft.protocol.identity.TrustBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

@Command(name = "identity", description = "Mesh identity: create trust anchors and issuers, mint local tokens, show a pod's certificate.",
    subcommands = {IdentityCommand.Create.class, IdentityCommand.Issuer.class, IdentityCommand.Token.class, IdentityCommand.Show.class})
final class IdentityCommand {

  @Command(name = "create", description = "Create a trust anchor and an issuer signed by it (ca.crt, ca.key, issuer.crt, issuer.key).")
  static final class Create implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the four PEM files.")
    Path out;

    @Mixin MeshNames names;

    @Option(names = "--anchor-validity", defaultValue = "365d", converter = DurationConverter.class,
        description = "How long the trust anchor is valid (default: ${DEFAULT-VALUE}).")
    Duration anchorValidity;

    @Option(names = "--issuer-validity", defaultValue = "365d", converter = DurationConverter.class,
        description = "How long the issuer is valid (default: ${DEFAULT-VALUE}).")
    Duration issuerValidity;

    @Override
    public void run() {
      if (Files.exists(out.resolve(MeshPki.ANCHOR_KEY))) {
        throw new IllegalArgumentException(out.resolve(MeshPki.ANCHOR_KEY) + " already exists; not overwriting a trust anchor");
      }
      MeshPki pki = MeshPki.create(names.controlPlaneNamespace, names.trustDomain, Instant.now(), anchorValidity, issuerValidity);
      try {
        pki.write(out);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write to " + out, e);
      }
      PrintWriter o = spec.commandLine().getOut();
      o.println("trust anchor " + describe(pki.anchor().certificate()));
      o.println("issuer       " + describe(pki.issuer().certificate()));
      o.println("written to " + out.toAbsolutePath() + ": " + String.join(", ", MeshPki.ANCHOR_CERTIFICATE, MeshPki.ANCHOR_KEY,
          MeshPki.ISSUER_CERTIFICATE, MeshPki.ISSUER_KEY));
    }
  }

  @Command(name = "issuer", description = "Create a new issuer signed by an existing trust anchor (an issuer rotation).")
  static final class Issuer implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--anchor", required = true, paramLabel = "DIR", description = "The directory with ca.crt and ca.key.")
    Path anchor;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write issuer.crt and issuer.key.")
    Path out;

    @Mixin MeshNames names;

    @Option(names = "--validity", defaultValue = "365d", converter = DurationConverter.class,
        description = "How long the issuer is valid (default: ${DEFAULT-VALUE}).")
    Duration validity;

    @Override
    public void run() {
      CertificateAuthority.Credential anchorCredential;
      try {
        anchorCredential = new CertificateAuthority.Credential(
            Pem.certificates(Files.readString(anchor.resolve(MeshPki.ANCHOR_CERTIFICATE)), anchor.resolve(MeshPki.ANCHOR_CERTIFICATE)
                .toString()).getFirst(),
            PemKeys.privateKey(Files.readString(anchor.resolve(MeshPki.ANCHOR_KEY)), anchor.resolve(MeshPki.ANCHOR_KEY).toString()));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the trust anchor in " + anchor, e);
      }
      MeshPki pki = new MeshPki(anchorCredential, anchorCredential)
          .withNewIssuer(MeshPki.issuerName(names.controlPlaneNamespace, names.trustDomain), Instant.now(), validity);
      try {
        pki.writeIssuer(out);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write to " + out, e);
      }
      spec.commandLine().getOut().println("issuer " + describe(pki.issuer().certificate()) + " written to " + out.toAbsolutePath());
    }
  }

  @Command(name = "token", description = "Mint a local cluster's service-account token (what a proxy sends to Certify in local mode).")
  static final class Token implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = {"-n", "--namespace"}, required = true) String namespace;

    @Option(names = "--service-account", defaultValue = "default", description = "(default: ${DEFAULT-VALUE})")
    String serviceAccount;

    @Option(names = "--key-file", paramLabel = "FILE", description = "The local cluster's token key (default: the control plane's).")
    Path keyFile;

    @Override
    public void run() {
      Path key = keyFile != null ? keyFile : Path.of(com.typesafe.config.ConfigFactory.load().getString("weft.local-cluster.token-key-file"));
      spec.commandLine().getOut().println(LocalTokens.fromKeyFile(key).mint(namespace, serviceAccount));
    }
  }

  @Command(name = "show", description = "Show the certificate a pod's proxy presents: subject, SANs, validity, issuer.")
  static final class Show implements Runnable {
    @Spec CommandSpec spec;
    @Mixin PodSelection selection;

    @Option(names = "--inbound-port", defaultValue = "4143", description = "The proxy's inbound port (default: ${DEFAULT-VALUE}).")
    int inboundPort;

    @Mixin MeshNames names;

    @Override
    public void run() {
      PodResource pod = selection.find();
      String identity = new MeshIdentity(pod.serviceAccount(), pod.meta().namespace(), names.controlPlaneNamespace, names.trustDomain).name();
      List<X509Certificate> chain = presented(pod.podIP(), inboundPort, identity, selection.timeout);
      PrintWriter out = spec.commandLine().getOut();
      out.println("POD " + pod.meta().namespace() + "/" + pod.meta().name() + " (" + pod.podIP() + ":" + inboundPort + ")");
      X509Certificate leaf = chain.getFirst();
      out.println("Subject:    " + leaf.getSubjectX500Principal().getName());
      out.println("SANs:       " + String.join(", ", TrustBundle.dnsNames(leaf)));
      out.println("Not before: " + leaf.getNotBefore().toInstant());
      out.println("Not after:  " + leaf.getNotAfter().toInstant());
      out.println("Issuer:     " + leaf.getIssuerX500Principal().getName());
      out.println("Serial:     " + leaf.getSerialNumber().toString(16));
      out.print(Pem.encode(chain));
    }

    /** The chain the proxy shows a client asking for {@code identity}; read, not verified (this only displays it). */
    private static List<X509Certificate> presented(String host, int port, String identity, Duration timeout) {
      try {
        SSLContext context = io.weft.protocol.identity.InspectingTls.clientContext();
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
          socket.connect(new java.net.InetSocketAddress(host, port), (int) timeout.toMillis());
          socket.setSoTimeout((int) timeout.toMillis());
          SSLParameters parameters = socket.getSSLParameters();
          parameters.setServerNames(List.of(new SNIHostName(identity)));
          socket.setSSLParameters(parameters);
          socket.startHandshake();
          Certificate[] chain = socket.getSession().getPeerCertificates();
          return java.util.Arrays.stream(chain).map(c -> (X509Certificate) c).toList();
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the certificate of " + identity + " at " + host + ":" + port + ": "
            + e.getMessage(), e);
      }
    }
  }

  static String describe(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName() + " (valid " + certificate.getNotBefore().toInstant() + " to "
        + certificate.getNotAfter().toInstant() + ")";
  }

  private IdentityCommand() {}
}
