package io.weft.actors.discovery;

import io.linkerd.proxy.outbound.Backend;
import io.linkerd.proxy.outbound.FailureAccrual;
import io.linkerd.proxy.outbound.HttpRoute;
import io.linkerd.proxy.outbound.OpaqueRoute;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.linkerd.proxy.outbound.ProxyProtocol;
import io.linkerd.proxy.outbound.Queue;
import io.linkerd.proxy.http_route.HttpRouteMatch;
import io.linkerd.proxy.http_route.PathMatch;
import io.linkerd.proxy.meta.Metadata;
import io.linkerd.proxy.meta.Resource;
import io.weft.actors.state.ServiceInputs;
import io.weft.k8s.model.ResourceMeta;
import io.weft.k8s.model.RouteResource;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Computes {@code OutboundPolicies} answers for a Service port, as Linkerd's policy controller does:
 * opaque when the port is; else the routes of the GRPCRoutes whose parent it is (the port is then
 * gRPC's), else of its HTTPRoutes, else the default route to the Service's own backend (P2C over its
 * endpoints, behind a failfast queue) — with the failure accrual its
 * {@code balancer.linkerd.io/failure-accrual*} annotations ask for, and the retries and timeouts of
 * the {@code retry.linkerd.io/*} and {@code timeout.linkerd.io/*} annotations (a route's own, else
 * the Service's).
 */
public final class OutboundPolicyView {
  private final DiscoverySettings discovery;
  private final OutboundPolicySettings settings;
  private final EndpointView endpoints;
  private final PolicyAnnotations annotations;
  private final RouteView routes;

  public OutboundPolicyView(DiscoverySettings discovery, OutboundPolicySettings settings, EndpointView endpoints) {
    this.discovery = discovery;
    this.settings = settings;
    this.endpoints = endpoints;
    this.annotations = new PolicyAnnotations(settings);
    this.routes = new RouteView(annotations);
  }

  public OutboundPolicy forService(DestinationTarget.ServicePort target, ServiceInputs inputs) {
    Backend backend = backend(target.namespace(), target.name(), target.port());
    ProxyProtocol.Opaque opaque = ProxyProtocol.Opaque.newBuilder().addRoutes(OpaqueRoute.newBuilder()
        .setMetadata(Metadata.newBuilder().setDefault("opaq"))
        .addRules(OpaqueRoute.Rule.newBuilder().setBackends(OpaqueRoute.Distribution.newBuilder()
            .setFirstAvailable(OpaqueRoute.Distribution.FirstAvailable.newBuilder()
                .addBackends(OpaqueRoute.RouteBackend.newBuilder().setBackend(backend)))))).build();
    ProxyProtocol.Builder protocol = ProxyProtocol.newBuilder();
    ResourceMeta parent = inputs.service() != null ? inputs.service().meta()
        : new ResourceMeta(target.namespace(), target.name(), "", "", Map.of(), Map.of());
    Optional<FailureAccrual> accrual = annotations.failureAccrual(parent, "Service");
    List<RouteResource> attached = inputs.routes().stream()
        .filter(r -> RouteView.attaches(r, target.namespace(), target.name(), target.port())).toList();
    List<RouteResource> grpc = attached.stream().filter(RouteResource::grpc).toList();
    if (endpoints.opaqueServicePort(inputs.service(), target.port())) {
      protocol.setOpaque(opaque);
    } else if (!grpc.isEmpty()) {
      // GRPCRoutes make the port gRPC's, as in Linkerd; its HTTPRoutes then do not apply.
      ProxyProtocol.Grpc.Builder routes = ProxyProtocol.Grpc.newBuilder();
      grpc.forEach(r -> routes.addRoutes(this.routes.grpc(r, parent, target.port(), this::backend)));
      accrual.ifPresent(routes::setFailureAccrual);
      protocol.setGrpc(routes);
    } else {
      List<HttpRoute> http = attached.isEmpty() ? List.of(defaultRoute(parent, backend))
          : attached.stream().map(r -> routes.http(r, parent, target.port(), this::backend)).toList();
      ProxyProtocol.Http1.Builder http1 = ProxyProtocol.Http1.newBuilder().addAllRoutes(http);
      ProxyProtocol.Http2.Builder http2 = ProxyProtocol.Http2.newBuilder().addAllRoutes(http);
      accrual.ifPresent(a -> {
        http1.setFailureAccrual(a);
        http2.setFailureAccrual(a);
      });
      protocol.setDetect(ProxyProtocol.Detect.newBuilder().setTimeout(PolicyAnnotations.duration(settings.detectTimeout()))
          .setOpaque(opaque).setHttp1(http1).setHttp2(http2));
    }
    // The policy is the Service port's, named as its own backend is.
    return OutboundPolicy.newBuilder().setMetadata(backend.getMetadata()).setProtocol(protocol).build();
  }

  /** Linkerd's default route: every request to the Service's own backend, shaped by the Service's annotations. */
  private HttpRoute defaultRoute(ResourceMeta parent, Backend backend) {
    HttpRoute.Rule.Builder rule = HttpRoute.Rule.newBuilder()
        .addMatches(HttpRouteMatch.newBuilder().setPath(PathMatch.newBuilder().setPrefix("/")))
        .setBackends(HttpRoute.Distribution.newBuilder().setFirstAvailable(HttpRoute.Distribution.FirstAvailable.newBuilder()
            .addBackends(HttpRoute.RouteBackend.newBuilder().setBackend(backend))));
    annotations.httpRetry(parent, "Service").ifPresent(rule::setRetry);
    annotations.timeouts(parent, "Service").ifPresent(rule::setTimeouts);
    return HttpRoute.newBuilder().setMetadata(Metadata.newBuilder().setDefault("http")).addRules(rule).build();
  }

  /** A Service port balanced over its endpoints (P2C over peak EWMA), behind a failfast queue. */
  private Backend backend(String namespace, String name, int port) {
    Metadata metadata = Metadata.newBuilder().setResource(Resource.newBuilder().setGroup("core").setKind("Service")
        .setName(name).setNamespace(namespace).setPort(port)).build();
    return Backend.newBuilder().setMetadata(metadata)
        .setQueue(Queue.newBuilder().setCapacity(settings.queueCapacity())
            .setFailfastTimeout(PolicyAnnotations.duration(settings.failfastTimeout())))
        .setBalancer(Backend.BalanceP2c.newBuilder()
            .setDiscovery(Backend.EndpointDiscovery.newBuilder().setDst(Backend.EndpointDiscovery.DestinationGet.newBuilder()
                .setPath(new DestinationTarget.ServicePort(namespace, name, port).fullyQualifiedName(discovery.clusterDomain()) + ":" + port)))
            .setPeakEwma(Backend.BalanceP2c.PeakEwma.newBuilder().setDefaultRtt(PolicyAnnotations.duration(settings.ewmaDefaultRtt()))
                .setDecay(PolicyAnnotations.duration(settings.ewmaDecay()))))
        .build();
  }
}
