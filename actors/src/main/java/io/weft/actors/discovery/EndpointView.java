package io.weft.actors.discovery;

import io.weft.actors.state.ServiceInputs;
import io.weft.k8s.model.EndpointSliceResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ServiceResource;
import io.weft.protocol.identity.MeshIdentity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Computes what a proxy is told about a target from the cluster objects. Pure, so the live
 * entities and {@code weft replay} give the same answers from the same inputs.
 */
public final class EndpointView {
  private final DiscoverySettings settings;

  public EndpointView(DiscoverySettings settings) {
    this.settings = settings;
  }

  /** The ready endpoints behind one port of a Service. */
  public EndpointSnapshot forService(ServiceInputs inputs, int port) {
    ServiceResource service = inputs.service();
    if (service == null) {
      return EndpointSnapshot.MISSING;
    }
    return assemble(service, inputs.slices().stream().map(slice -> sliceEndpoints(service, port, slice, inputs.pods())).toList());
  }

  /**
   * What one EndpointSlice contributes to one port of a Service: its ready endpoints on the slice
   * port named like the Service port, with what their pods (by name, in {@code pods}) say of them.
   * A Service's entity keeps these per slice, so a change to one slice recomputes only its own.
   */
  public List<EndpointInfo> sliceEndpoints(ServiceResource service, int port, EndpointSliceResource slice,
                                           Map<String, PodResource> pods) {
    Optional<ServiceResource.ServicePort> servicePort = service.port(port);
    if (servicePort.isEmpty()) {
      return List.of();
    }
    Optional<EndpointSliceResource.EndpointPort> slicePort = slice.ports().stream()
        .filter(p -> p.name().equals(servicePort.get().name())).findFirst();
    if (slicePort.isEmpty()) {
      return List.of();
    }
    List<EndpointInfo> endpoints = new ArrayList<>();
    for (EndpointSliceResource.Endpoint e : slice.endpoints()) {
      if (e.ready()) {
        PodResource pod = pods.get(e.podName());
        for (String ip : e.addresses()) {
          endpoints.add(endpoint(ip, slicePort.get().port(), pod, e.zone(), service));
        }
      }
    }
    return endpoints;
  }

  /** A Service's snapshot from what each of its slices contributes, in slice order (a later slice's duplicate address wins). */
  public EndpointSnapshot assemble(ServiceResource service, List<List<EndpointInfo>> slices) {
    Map<String, String> setLabels = Map.of("namespace", service.meta().namespace(), "service", service.meta().name());
    TreeMap<String, EndpointInfo> endpoints = new TreeMap<>();
    for (List<EndpointInfo> slice : slices) {
      for (EndpointInfo info : slice) {
        endpoints.put(info.address(), info);
      }
    }
    return new EndpointSnapshot(true, setLabels, endpoints);
  }

  /** A single pod addressed by IP; a pod that is gone (or never was) means nothing is known. */
  public EndpointSnapshot forPod(PodResource pod, String ip, int port) {
    if (pod == null) {
      // Not a pod of this cluster: the proxy may still connect to it directly.
      TreeMap<String, EndpointInfo> only = new TreeMap<>();
      EndpointInfo bare = new EndpointInfo(ip, port, settings.endpointWeight(), Map.of(), "", EndpointInfo.Hint.NONE, 0);
      only.put(bare.address(), bare);
      return new EndpointSnapshot(true, Map.of(), only);
    }
    TreeMap<String, EndpointInfo> only = new TreeMap<>();
    EndpointInfo info = endpoint(ip, port, pod, "", null);
    only.put(info.address(), info);
    return new EndpointSnapshot(true, Map.of("namespace", pod.meta().namespace()), only);
  }

  private EndpointInfo endpoint(String ip, int port, PodResource pod, String zone, ServiceResource service) {
    Map<String, String> labels = new LinkedHashMap<>();
    String identity = "";
    EndpointInfo.Hint hint = EndpointInfo.Hint.NONE;
    int opaqueTransport = 0;
    if (pod != null) {
      labels.put("pod", pod.meta().name());
      labels.put("namespace", pod.meta().namespace());
      labels.put("serviceaccount", pod.serviceAccount());
      if (pod.owner() != null) {
        labels.put(pod.owner().kind().toLowerCase(), pod.owner().name());
      }
      String hash = pod.meta().labels().get("pod-template-hash");
      if (hash != null) {
        labels.put("pod_template_hash", hash);
      }
      if (pod.meshed()) {
        String controlPlaneNs = pod.meta().labels().get(PodResource.CONTROL_PLANE_NS_LABEL);
        labels.put("control_plane_ns", controlPlaneNs);
        identity = new MeshIdentity(pod.serviceAccount(), pod.meta().namespace(), controlPlaneNs, settings.trustDomain()).name();
        hint = opaque(port, pod, service) ? EndpointInfo.Hint.OPAQUE : EndpointInfo.Hint.H2;
        // Linkerd's default transport-header mode: peers reach a meshed endpoint through its
        // proxy's inbound port, the target port named in the transport header.
        opaqueTransport = settings.proxyInboundPort();
      }
    }
    if (!zone.isEmpty()) {
      labels.put("zone", zone);
    }
    return new EndpointInfo(ip, port, settings.endpointWeight(), labels, identity, hint, opaqueTransport);
  }

  /** The pod's own annotation, else the Service's, else the defaults (as Linkerd's injector would apply). */
  private boolean opaque(int targetPort, PodResource pod, ServiceResource service) {
    String annotation = pod.meta().annotations().get(OpaquePorts.ANNOTATION);
    if (annotation == null && service != null) {
      annotation = service.meta().annotations().get(OpaquePorts.ANNOTATION);
    }
    return annotation == null ? settings.defaultOpaquePorts().contains(targetPort) : OpaquePorts.parse(annotation).contains(targetPort);
  }

  /** Whether a Service port is opaque, for {@code DestinationProfile.opaque_protocol}. */
  public boolean opaqueServicePort(ServiceResource service, int port) {
    String annotation = service == null ? null : service.meta().annotations().get(OpaquePorts.ANNOTATION);
    return annotation == null ? settings.defaultOpaquePorts().contains(port) : OpaquePorts.parse(annotation).contains(port);
  }
}
