package io.weft.k8s.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.k8s.decode.ManifestDecoder;
import io.weft.k8s.decode.ManifestException;
import io.weft.k8s.decode.Workload;
import io.weft.k8s.model.EndpointSliceResource;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.NamespaceResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ResourceKey;
import io.weft.k8s.model.ResourceKind;
import io.weft.k8s.model.ResourceMeta;
import io.weft.k8s.model.ServiceResource;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns manifests into the objects a real cluster would hold: workloads become running pods on
 * loopback addresses, injection is simulated with the injector's label, and every Service with a
 * selector gets the EndpointSlices Kubernetes' controller would write. Pure apart from the address pool.
 */
final class LocalClusterModel {
  static final String INJECT_ANNOTATION = "linkerd.io/inject";
  /** Marks a local pod not ready, to exercise readiness without a kubelet. */
  static final String READY_ANNOTATION = "weft.io/ready";
  private static final String NODE_NAME = "local";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String controlPlaneNamespace;
  private final LoopbackAddressPool addresses = new LoopbackAddressPool();

  LocalClusterModel(String controlPlaneNamespace) {
    this.controlPlaneNamespace = controlPlaneNamespace;
  }

  /** The cluster's objects, by key, without resource versions. */
  Map<ResourceKey, KubeResource> build(List<JsonNode> documents) {
    Map<ResourceKey, KubeResource> objects = new TreeMap<>(java.util.Comparator.comparing(ResourceKey::toString));
    List<Workload> workloads = new ArrayList<>();
    for (JsonNode doc : documents) {
      try {
        String kind = doc.path("kind").asText();
        if (Workload.KINDS.contains(kind)) {
          workloads.add(Workload.decode(doc));
          continue;
        }
        Optional<ResourceKind> known = ManifestDecoder.kindOf(doc);
        if (known.isPresent()) {
          KubeResource r = ManifestDecoder.decode(known.get(), doc);
          objects.put(r.key(), r);
        }
      } catch (ManifestException e) {
        throw new IllegalStateException("a validated manifest failed to decode: " + e.getMessage(), e);
      }
    }
    List<PodResource> pods = new ArrayList<>();
    objects.values().stream().filter(PodResource.class::isInstance).map(PodResource.class::cast).toList()
        .forEach(p -> pods.add(place(p, objects)));
    for (Workload w : workloads) {
      pods.addAll(podsOf(w, objects));
    }
    addresses.retainOnly(pods.stream().map(PodResource::key).collect(java.util.stream.Collectors.toSet()));
    pods.forEach(p -> objects.put(p.key(), p));
    objects.values().stream().filter(ServiceResource.class::isInstance).map(ServiceResource.class::cast).toList()
        .forEach(s -> EndpointSlices.derive(s, pods).forEach(slice -> objects.put(slice.key(), slice)));
    return objects;
  }

  /** A pod written as a Pod manifest: give it an address, a node and (unless it says otherwise) readiness. */
  private PodResource place(PodResource p, Map<ResourceKey, KubeResource> objects) {
    boolean hasStatus = !p.phase().isEmpty();
    ResourceMeta meta = injected(p.meta(), p.meta().annotations(), objects);
    return new PodResource(meta, p.podIP().isEmpty() ? addresses.addressOf(p.key()) : p.podIP(),
        p.nodeName().isEmpty() ? NODE_NAME : p.nodeName(), p.serviceAccount(), hasStatus ? p.phase() : "Running",
        hasStatus ? p.ready() : !"false".equals(meta.annotations().get(READY_ANNOTATION)), p.terminating(), p.ports(), p.owner(), p.probes());
  }

  private List<PodResource> podsOf(Workload w, Map<ResourceKey, KubeResource> objects) {
    JsonNode template = w.podTemplate();
    String hash = shortHash(template.toString(), 10);
    List<PodResource> out = new ArrayList<>();
    for (int i = 0; i < w.replicas(); i++) {
      String name = switch (w.kind()) {
        case "StatefulSet" -> w.meta().name() + "-" + i;
        case "DaemonSet" -> w.meta().name() + "-" + NODE_NAME;
        case "Deployment" -> w.meta().name() + "-" + hash + "-" + shortHash(hash + i, 5);
        default -> w.meta().name() + "-" + shortHash(hash + i, 5);
      };
      ObjectNode pod = JSON.createObjectNode();
      pod.put("apiVersion", "v1").put("kind", "Pod");
      ObjectNode metadata = template.path("metadata").isObject() ? ((ObjectNode) template.get("metadata")).deepCopy() : JSON.createObjectNode();
      metadata.put("name", name).put("namespace", w.meta().namespace());
      ObjectNode labels = metadata.withObject("labels");
      if (w.kind().equals("Deployment")) {
        labels.put("pod-template-hash", hash);
      }
      ArrayNode owners = metadata.putArray("ownerReferences");
      owners.addObject().put("kind", w.kind().equals("Deployment") ? "ReplicaSet" : w.kind())
          .put("name", w.kind().equals("Deployment") ? w.meta().name() + "-" + hash : w.meta().name())
          .put("controller", true);
      pod.set("metadata", metadata);
      pod.set("spec", template.path("spec").deepCopy());
      try {
        PodResource decoded = (PodResource) ManifestDecoder.decode(ResourceKind.POD, pod);
        out.add(place(decoded, objects));
      } catch (ManifestException e) {
        throw new IllegalStateException("a validated pod template failed to decode: " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** Adds the label the proxy injector would, when the pod or its namespace asks for injection. */
  private ResourceMeta injected(ResourceMeta meta, Map<String, String> annotations, Map<ResourceKey, KubeResource> objects) {
    String podSetting = annotations.get(INJECT_ANNOTATION);
    String nsSetting = Optional.ofNullable(objects.get(new ResourceKey(ResourceKind.NAMESPACE, "", meta.namespace())))
        .map(ns -> ((NamespaceResource) ns).meta().annotations().get(INJECT_ANNOTATION)).orElse(null);
    String setting = podSetting != null ? podSetting : nsSetting;
    if (!"enabled".equals(setting) && !"ingress".equals(setting)) {
      return meta;
    }
    Map<String, String> labels = new LinkedHashMap<>(meta.labels());
    labels.put(PodResource.CONTROL_PLANE_NS_LABEL, controlPlaneNamespace);
    return new ResourceMeta(meta.namespace(), meta.name(), meta.uid(), meta.resourceVersion(), labels, meta.annotations());
  }

  static String shortHash(String text, int length) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      // Kubernetes' name suffixes avoid vowels; lowercase hex is close enough and stays a DNS label.
      return HexFormat.of().formatHex(digest).substring(0, length);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
