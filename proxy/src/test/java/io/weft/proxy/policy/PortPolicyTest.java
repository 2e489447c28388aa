package io.weft.proxy.policy;

import io.linkerd.proxy.inbound.Authn;
import io.linkerd.proxy.inbound.Authz;
import io.linkerd.proxy.inbound.Identity;
import io.linkerd.proxy.inbound.IdentitySuffix;
import io.linkerd.proxy.inbound.Network;
import io.linkerd.proxy.inbound.Server;
import io.linkerd.proxy.net.IPNetwork;
import io.weft.protocol.net.TcpAddresses;
import io.weft.protocol.policy.Client;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class PortPolicyTest {
  private static final String WEB = "web.emojivoto.serviceaccount.identity.linkerd.cluster.local";

  private static Network network(String ip, int prefix, String exceptIp, int exceptPrefix) {
    Network.Builder n = Network.newBuilder().setNet(IPNetwork.newBuilder().setIp(TcpAddresses.ipOf(InetAddress.ofLiteral(ip))).setPrefixLen(prefix));
    if (exceptIp != null) {
      n.addExcept(IPNetwork.newBuilder().setIp(TcpAddresses.ipOf(InetAddress.ofLiteral(exceptIp))).setPrefixLen(exceptPrefix));
    }
    return n.build();
  }

  private static Client client(String ip, String identity) {
    return new Client(InetAddress.ofLiteral(ip), Optional.ofNullable(identity));
  }

  @Test
  void eachAuthorizationAdmitsItsNetworksAndIdentities() {
    PortPolicy policy = PortPolicy.of(Server.newBuilder().putLabels("group", "policy.linkerd.io").putLabels("kind", "server")
        .putLabels("name", "web-http")
        .addAuthorizations(Authz.newBuilder().addNetworks(network("10.0.0.0", 8, "10.9.0.0", 16))
            .setAuthentication(Authn.newBuilder().setMeshTLS(Authn.PermitMeshTLS.newBuilder().setIdentities(
                Authn.PermitMeshTLS.PermitClientIdentities.newBuilder().addIdentities(Identity.newBuilder().setName(WEB))
                    .addSuffixes(IdentitySuffix.newBuilder().addParts("voting").addParts("serviceaccount")))))
            .putLabels("kind", "authorizationpolicy").putLabels("name", "mesh"))
        .addAuthorizations(Authz.newBuilder().addNetworks(network("192.168.0.0", 16, null, 0))
            .setAuthentication(Authn.newBuilder().setUnauthenticated(Authn.PermitUnauthenticated.getDefaultInstance()))
            .putLabels("kind", "authorizationpolicy").putLabels("name", "probes"))
        .build());
    assertThat(policy.serverName()).isEqualTo("web-http");
    assertThat(policy.admit(client("10.1.2.3", WEB), true)).map(PortPolicy.Rule::name).contains("mesh");
    assertThat(policy.admit(client("10.1.2.3", "x.voting.serviceaccount"), true)).as("by suffix").isPresent();
    assertThat(policy.admit(client("10.1.2.3", "x.votingserviceaccount"), true)).as("a suffix is whole labels").isEmpty();
    assertThat(policy.admit(client("10.9.2.3", WEB), true)).as("an excepted network").isEmpty();
    assertThat(policy.admit(client("10.1.2.3", null), false)).as("no identity").isEmpty();
    assertThat(policy.admit(client("192.168.1.1", null), false)).map(PortPolicy.Rule::name).contains("probes");

    PortPolicy none = PortPolicy.of(Server.newBuilder().putLabels("kind", "server").putLabels("name", "locked").build());
    assertThat(none.admit(client("10.1.2.3", WEB), true)).as("no authorization admits nobody").isEmpty();

    PortPolicy anyTls = PortPolicy.of(Server.newBuilder().addAuthorizations(Authz.newBuilder().addNetworks(network("0.0.0.0", 0, null, 0))
        .setAuthentication(Authn.newBuilder().setMeshTLS(Authn.PermitMeshTLS.newBuilder()
            .setUnauthenticated(Authn.PermitUnauthenticated.getDefaultInstance())))).build());
    assertThat(anyTls.admit(client("10.1.2.3", null), true)).as("mesh TLS without an identity").isPresent();
    assertThat(anyTls.admit(client("10.1.2.3", null), false)).as("plaintext").isEmpty();

    PortPolicy unknown = PortPolicy.of(Server.newBuilder().addAuthorizations(Authz.newBuilder().addNetworks(network("0.0.0.0", 0, null, 0)))
        .build());
    assertThat(unknown.admit(client("10.1.2.3", WEB), true)).as("an authentication the proxy cannot read admits nobody").isEmpty();
  }
}
