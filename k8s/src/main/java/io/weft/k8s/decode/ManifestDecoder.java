package io.weft.k8s.decode;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.k8s.model.EndpointSliceResource;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.NamespaceResource;
import io.weft.k8s.model.LabelSelector;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ResourceKind;
import io.weft.k8s.model.ResourceMeta;
import io.weft.k8s.model.ServerResource;
import io.weft.k8s.model.ServiceAccountResource;
import io.weft.k8s.model.ServiceProfileResource;
import io.weft.k8s.model.ServiceResource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decodes a Kubernetes object (as the API serves it, or as written in a manifest) into its record.
 * Both cluster backends use it, so an object means the same thing whichever way it arrives.
 */
public final class ManifestDecoder {
  /** A headless Service's clusterIP. */
  private static final String HEADLESS = "None";

  private ManifestDecoder() {}

  /** The kind of an object, or empty when Weft does not read that kind. */
  public static java.util.Optional<ResourceKind> kindOf(JsonNode object) throws ManifestException {
    Node root = Node.root(object);
    return ResourceKind.of(root.get("apiVersion").text(""), root.get("kind").requiredText());
  }

  public static KubeResource decode(ResourceKind kind, JsonNode object) throws ManifestException {
    Node root = Node.root(object);
    ResourceMeta meta = meta(root.get("metadata"), kind);
    return switch (kind) {
      case NAMESPACE -> new NamespaceResource(meta);
      case SERVICE_ACCOUNT -> new ServiceAccountResource(meta);
      case SERVICE -> service(meta, root.get("spec"));
      case POD -> pod(meta, root);
      case ENDPOINT_SLICE -> endpointSlice(meta, root);
      case SERVICE_PROFILE -> ServiceProfiles.decode(meta, root.get("spec"));
      case SERVER -> server(meta, root.get("spec"));
      case HTTP_ROUTE, GATEWAY_HTTP_ROUTE, GRPC_ROUTE -> Routes.decode(meta, kind, root);
      case AUTHORIZATION_POLICY -> Policies.authorizationPolicy(meta, root.get("spec"));
      case MESH_TLS_AUTHENTICATION -> Policies.meshTlsAuthentication(meta, root.get("spec"));
      case NETWORK_AUTHENTICATION -> Policies.networkAuthentication(meta, root.get("spec"));
      case SERVER_AUTHORIZATION -> Policies.serverAuthorization(meta, root.get("spec"));
      case HTTP_LOCAL_RATE_LIMIT_POLICY -> Policies.rateLimitPolicy(meta, root.get("spec"));
    };
  }

  /**
   * Checks a list of policy networks ({@code cidr} and {@code except}) at {@code field}, as the
   * NetworkAuthentication decoder does, for a resource that carries one inline (a ServerAuthorization).
   */
  public static void checkNetworks(JsonNode networks, String field) throws ManifestException {
    Policies.networks(new Node(networks, field));
  }

  static ResourceMeta meta(Node metadata, ResourceKind kind) throws ManifestException {
    String namespace = metadata.get("namespace").text("");
    if (kind.namespaced() && namespace.isEmpty()) {
      namespace = "default";
    }
    return new ResourceMeta(namespace, metadata.get("name").requiredText(), metadata.get("uid").text(""),
        metadata.get("resourceVersion").text(""), metadata.get("labels").stringMap(),
        metadata.get("annotations").stringMap());
  }

  private static ServiceResource service(ResourceMeta meta, Node spec) throws ManifestException {
    List<ServiceResource.ServicePort> ports = new ArrayList<>();
    for (Node p : spec.get("ports").list()) {
      int port = p.get("port").port(0);
      if (port == 0) {
        throw new ManifestException(p.get("port").path(), "is required");
      }
      Node target = p.get("targetPort");
      int targetNumber = port;
      String targetName = "";
      if (target.present()) {
        if (target.json().isTextual() && !target.json().asText().matches("\\d+")) {
          targetName = target.json().asText();
          targetNumber = 0;
        } else {
          targetNumber = target.port(port);
        }
      }
      ports.add(new ServiceResource.ServicePort(p.get("name").text(""), port, targetNumber, targetName,
          p.get("protocol").text("TCP")));
    }
    Node clusterIp = spec.get("clusterIP");
    String clusterIP = HEADLESS.equals(clusterIp.text("")) ? HEADLESS : clusterIp.ipAddress("");
    return new ServiceResource(meta, spec.get("type").text("ClusterIP"), clusterIP,
        spec.get("selector").stringMap(), ports);
  }

  private static PodResource pod(ResourceMeta meta, Node root) throws ManifestException {
    Node spec = root.get("spec");
    Node status = root.get("status");
    List<PodResource.ContainerPort> ports = new ArrayList<>();
    List<PodResource.HttpProbe> probes = new ArrayList<>();
    for (Node c : spec.get("containers").list()) {
      List<PodResource.ContainerPort> own = new ArrayList<>();
      for (Node p : c.get("ports").list()) {
        own.add(new PodResource.ContainerPort(p.get("name").text(""), p.get("containerPort").port(0),
            p.get("protocol").text("TCP")));
      }
      ports.addAll(own);
      for (String probe : PROBES) {
        httpProbe(c.get(probe).get("httpGet"), own).ifPresent(probes::add);
      }
    }
    boolean ready = false;
    for (Node condition : status.get("conditions").list()) {
      if ("Ready".equals(condition.get("type").text(""))) {
        ready = "True".equals(condition.get("status").text(""));
      }
    }
    String serviceAccount = spec.get("serviceAccountName").text(spec.get("serviceAccount").text(""));
    return new PodResource(meta, status.get("podIP").ipAddress(""), spec.get("nodeName").text(""), serviceAccount,
        status.get("phase").text(""), ready, root.get("metadata").get("deletionTimestamp").present(), ports,
        owner(root.get("metadata"), meta.labels()), probes);
  }

  /** A label selector: {@code matchLabels} and {@code matchExpressions} (In and NotIn need values, Exists and DoesNotExist none). */
  private static LabelSelector selector(Node selector) throws ManifestException {
    List<LabelSelector.Requirement> expressions = new ArrayList<>();
    for (Node e : selector.get("matchExpressions").list()) {
      String operator = e.get("operator").requiredText();
      LabelSelector.Operator known = java.util.Arrays.stream(LabelSelector.Operator.values())
          .filter(o -> o.apiName().equals(operator)).findFirst()
          .orElseThrow(() -> new ManifestException(e.get("operator").path(), "'" + operator + "' is not one of In, NotIn, Exists, DoesNotExist"));
      List<String> values = new ArrayList<>();
      for (Node v : e.get("values").list()) {
        values.add(v.requiredText());
      }
      boolean needsValues = known == LabelSelector.Operator.IN || known == LabelSelector.Operator.NOT_IN;
      if (needsValues == values.isEmpty()) {
        throw new ManifestException(e.get("values").path(), needsValues ? "is required for " + operator : "must be empty for " + operator);
      }
      expressions.add(new LabelSelector.Requirement(e.get("key").requiredText(), known, values));
    }
    return new LabelSelector(selector.get("matchLabels").stringMap(), expressions);
  }

  private static final List<String> PROBES = List.of("livenessProbe", "readinessProbe", "startupProbe");

  /** An HTTP probe, its port named or numbered (a name is one of its container's ports); empty when unset or unresolvable. */
  private static java.util.Optional<PodResource.HttpProbe> httpProbe(Node get, List<PodResource.ContainerPort> ports)
      throws ManifestException {
    if (!get.present()) {
      return java.util.Optional.empty();
    }
    Node port = get.get("port");
    String path = get.get("path").text("/");
    if (port.json().isTextual() && !port.json().asText().matches("\\d+")) {
      String name = port.json().asText();
      return ports.stream().filter(p -> p.name().equals(name)).findFirst().map(p -> new PodResource.HttpProbe(p.containerPort(), path));
    }
    return java.util.Optional.of(new PodResource.HttpProbe(port.port(0), path));
  }

  /** The controlling owner, with a ReplicaSet named {@code <deployment>-<pod-template-hash>} mapped to its Deployment. */
  private static PodResource.WorkloadRef owner(Node metadata, Map<String, String> labels) throws ManifestException {
    for (Node ref : metadata.get("ownerReferences").list()) {
      if (!ref.get("controller").bool(false)) {
        continue;
      }
      String kind = ref.get("kind").requiredText();
      String name = ref.get("name").requiredText();
      String hash = labels.get("pod-template-hash");
      if (kind.equals("ReplicaSet") && hash != null && name.endsWith("-" + hash)) {
        return new PodResource.WorkloadRef("Deployment", name.substring(0, name.length() - hash.length() - 1));
      }
      return new PodResource.WorkloadRef(kind, name);
    }
    return null;
  }

  private static EndpointSliceResource endpointSlice(ResourceMeta meta, Node root) throws ManifestException {
    List<EndpointSliceResource.EndpointPort> ports = new ArrayList<>();
    for (Node p : root.get("ports").list()) {
      ports.add(new EndpointSliceResource.EndpointPort(p.get("name").text(""), p.get("port").port(0),
          p.get("protocol").text("TCP")));
    }
    List<EndpointSliceResource.Endpoint> endpoints = new ArrayList<>();
    for (Node e : root.get("endpoints").list()) {
      List<String> addresses = new ArrayList<>();
      for (Node a : e.get("addresses").list()) {
        addresses.add(a.ipAddress(""));
      }
      Node conditions = e.get("conditions");
      Node targetRef = e.get("targetRef");
      String podName = "Pod".equals(targetRef.get("kind").text("")) ? targetRef.get("name").text("") : "";
      // Kubernetes treats an unset ready condition as ready.
      boolean ready = conditions.get("ready").bool(true);
      endpoints.add(new EndpointSliceResource.Endpoint(addresses, ready, conditions.get("serving").bool(ready),
          conditions.get("terminating").bool(false), podName, e.get("nodeName").text(""), e.get("zone").text("")));
    }
    String service = meta.labels().getOrDefault(EndpointSliceResource.SERVICE_NAME_LABEL, "");
    return new EndpointSliceResource(meta, service, root.get("addressType").text("IPv4"), ports, endpoints);
  }

  private static ServerResource server(ResourceMeta meta, Node spec) throws ManifestException {
    Node port = spec.get("port");
    int number = 0;
    String name = "";
    if (port.json().isTextual() && !port.json().asText().matches("\\d+")) {
      name = port.json().asText();
    } else {
      number = port.port(0);
    }
    if (number == 0 && name.isEmpty()) {
      throw new ManifestException(port.path(), "is required");
    }
    return new ServerResource(meta, selector(spec.get("podSelector")), number, name,
        spec.get("proxyProtocol").text("unknown"));
  }
}
