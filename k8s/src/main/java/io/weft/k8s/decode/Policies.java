package io.weft.k8s.decode;

import io.weft.k8s.model.AuthorizationPolicyResource;
import io.weft.k8s.model.MeshTlsAuthenticationResource;
import io.weft.k8s.model.NetworkAuthenticationResource;
import io.weft.k8s.model.PolicyRef;
import io.weft.k8s.model.RateLimitPolicyResource;
import io.weft.k8s.model.ResourceMeta;
import io.weft.k8s.model.ServerAuthorizationResource;
import io.weft.protocol.net.Cidr;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Decodes Linkerd's authorization resources (and the older ServerAuthorization), refusing (with the field named) what Linkerd's policy
 * validator refuses: a target or authentication of a kind policy cannot use, more than one network
 * or mesh requirement, an identity that is no name, a network that is no CIDR or an exception
 * outside its network.
 */
final class Policies {
  private static final Set<String> AUTHORIZATION_TARGETS = Set.of("Server", "HTTPRoute", "GRPCRoute", "Namespace");
  private static final Set<String> AUTHENTICATIONS = Set.of("MeshTLSAuthentication", "NetworkAuthentication", "ServiceAccount");
  private static final Set<String> IDENTITY_REF_KINDS = Set.of("ServiceAccount", "Namespace");
  private static final Pattern IDENTITY = Pattern.compile("(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private Policies() {}

  static AuthorizationPolicyResource authorizationPolicy(ResourceMeta meta, Node spec) throws ManifestException {
    PolicyRef target = ref(spec.get("targetRef"), meta.namespace(), AUTHORIZATION_TARGETS);
    List<PolicyRef> required = new ArrayList<>();
    int network = 0;
    int mesh = 0;
    for (Node r : spec.get("requiredAuthenticationRefs").list()) {
      PolicyRef ref = ref(r, meta.namespace(), AUTHENTICATIONS);
      if (ref.kind().equals("NetworkAuthentication")) {
        network++;
      } else {
        mesh++;
      }
      required.add(ref);
    }
    if (network > 1 || mesh > 1) {
      throw new ManifestException(spec.get("requiredAuthenticationRefs").path(),
          "at most one NetworkAuthentication and one MeshTLSAuthentication or ServiceAccount");
    }
    return new AuthorizationPolicyResource(meta, target, required);
  }

  static MeshTlsAuthenticationResource meshTlsAuthentication(ResourceMeta meta, Node spec) throws ManifestException {
    List<String> identities = identities(spec.get("identities"));
    List<PolicyRef> refs = new ArrayList<>();
    for (Node r : spec.get("identityRefs").list()) {
      refs.add(ref(r, meta.namespace(), IDENTITY_REF_KINDS));
    }
    if (identities.isEmpty() == refs.isEmpty()) {
      throw new ManifestException(spec.path(), "needs exactly one of identities and identityRefs, not empty");
    }
    return new MeshTlsAuthenticationResource(meta, identities, refs);
  }

  static NetworkAuthenticationResource networkAuthentication(ResourceMeta meta, Node spec) throws ManifestException {
    return new NetworkAuthenticationResource(meta, networks(spec.get("networks")));
  }

  static ServerAuthorizationResource serverAuthorization(ResourceMeta meta, Node spec) throws ManifestException {
    Node server = spec.get("server");
    boolean named = server.get("name").present();
    if (named == server.get("selector").present()) {
      throw new ManifestException(server.path(), "needs exactly one of name and selector");
    }
    Node client = spec.get("client");
    boolean unauthenticated = client.get("unauthenticated").bool(false);
    Node mesh = client.get("meshTLS");
    if (!unauthenticated && !mesh.present()) {
      throw new ManifestException(client.path(), "needs meshTLS or unauthenticated: true");
    }
    List<String> identities = identities(mesh.get("identities"));
    List<PolicyRef> accounts = new ArrayList<>();
    for (Node a : mesh.get("serviceAccounts").list()) {
      accounts.add(new PolicyRef("", "ServiceAccount", a.get("namespace").text(meta.namespace()), a.get("name").requiredText()));
    }
    List<NetworkAuthenticationResource.Network> networks = client.get("networks").present() ? networks(client.get("networks")) : List.of();
    return new ServerAuthorizationResource(meta, server.get("name").text(""), server.get("selector").get("matchLabels").stringMap(),
        networks, unauthenticated, mesh.get("unauthenticatedTLS").bool(false), identities, accounts);
  }

  /**
   * An HTTPLocalRateLimitPolicy: it targets a Server, every limit is a positive number of requests
   * per second, and an override names the ServiceAccounts it is for.
   */
  static RateLimitPolicyResource rateLimitPolicy(ResourceMeta meta, Node spec) throws ManifestException {
    PolicyRef target = ref(spec.get("targetRef"), meta.namespace(), Set.of("Server"));
    int total = requestsPerSecond(spec.get("total"));
    int identity = requestsPerSecond(spec.get("identity"));
    List<RateLimitPolicyResource.Override> overrides = new ArrayList<>();
    for (Node o : spec.get("overrides").list()) {
      int limit = requestsPerSecond(o);
      if (limit == 0) {
        throw new ManifestException(o.get("requestsPerSecond").path(), "is required");
      }
      List<PolicyRef> clients = new ArrayList<>();
      for (Node c : o.get("clientRefs").list()) {
        clients.add(ref(c, meta.namespace(), Set.of("ServiceAccount")));
      }
      if (clients.isEmpty()) {
        throw new ManifestException(o.get("clientRefs").path(), "needs at least one ServiceAccount");
      }
      overrides.add(new RateLimitPolicyResource.Override(limit, clients));
    }
    return new RateLimitPolicyResource(meta, target, total, identity, overrides);
  }

  /** A limit's {@code requestsPerSecond}: 0 when the limit is absent, else positive. */
  private static int requestsPerSecond(Node limit) throws ManifestException {
    Node rps = limit.get("requestsPerSecond");
    if (!rps.present()) {
      return 0;
    }
    int value = rps.integer(0);
    if (value <= 0) {
      throw new ManifestException(rps.path(), "must be a positive number of requests per second, not " + value);
    }
    return value;
  }

  /** Mesh identity names: exact, {@code *} (any), or {@code *.suffix}. */
  private static List<String> identities(Node list) throws ManifestException {
    List<String> identities = new ArrayList<>();
    for (Node i : list.list()) {
      String identity = i.text("");
      if (!identity.equals("*") && !IDENTITY.matcher(identity).matches()) {
        throw new ManifestException(i.path(), "'" + identity + "' is not an identity name");
      }
      identities.add(identity);
    }
    return identities;
  }

  /** A list of networks, each a CIDR with exceptions inside it; at least one. */
  static List<NetworkAuthenticationResource.Network> networks(Node list) throws ManifestException {
    List<NetworkAuthenticationResource.Network> out = new ArrayList<>();
    for (Node n : list.list()) {
      Cidr cidr = cidr(n.get("cidr"));
      List<String> except = new ArrayList<>();
      for (Node e : n.get("except").list()) {
        Cidr excluded = cidr(e);
        if (!cidr.contains(excluded)) {
          throw new ManifestException(e.path(), excluded + " is not within " + cidr);
        }
        except.add(excluded.toString());
      }
      out.add(new NetworkAuthenticationResource.Network(cidr.toString(), except));
    }
    if (out.isEmpty()) {
      throw new ManifestException(list.path(), "needs at least one network");
    }
    return out;
  }

  private static Cidr cidr(Node n) throws ManifestException {
    try {
      return Cidr.parse(n.text(""));
    } catch (IllegalArgumentException e) {
      throw new ManifestException(n.path(), e.getMessage());
    }
  }

  /** A reference whose kind must be one of {@code kinds}. */
  private static PolicyRef ref(Node ref, String namespace, Set<String> kinds) throws ManifestException {
    String kind = ref.get("kind").text("");
    if (kind.isEmpty()) {
      throw new ManifestException(ref.get("kind").path(), "is required");
    }
    if (!kinds.contains(kind)) {
      throw new ManifestException(ref.get("kind").path(), "'" + kind + "' is not one of " + String.join(", ", new TreeSet<>(kinds)));
    }
    return new PolicyRef(ref.get("group").text(""), kind, ref.get("namespace").text(namespace), ref.get("name").requiredText());
  }
}
