package io.weft.actors.discovery;

import io.weft.actors.state.ServiceInputs;
import com.google.protobuf.Duration;
import io.linkerd.proxy.destination.DestinationProfile;
import io.linkerd.proxy.destination.HttpStatusRange;
import io.linkerd.proxy.destination.PathMatch;
import io.linkerd.proxy.destination.RequestMatch;
import io.linkerd.proxy.destination.ResponseClass;
import io.linkerd.proxy.destination.ResponseMatch;
import io.linkerd.proxy.destination.RetryBudget;
import io.linkerd.proxy.destination.Route;
import io.linkerd.proxy.destination.WeightedDst;
import io.linkerd.proxy.http_types.HttpMethod;
import io.linkerd.proxy.meta.Metadata;
import io.linkerd.proxy.meta.Resource;
import io.weft.k8s.model.ServiceProfileResource;

import java.util.Locale;

/** Computes {@code GetProfile} answers: the ServiceProfile's routes, the retry budget, opaqueness. */
public final class ProfileView {
  private final DiscoverySettings settings;
  private final EndpointView endpoints;

  public ProfileView(DiscoverySettings settings, EndpointView endpoints) {
    this.settings = settings;
    this.endpoints = endpoints;
  }

  public DestinationProfile forService(DestinationTarget.ServicePort target, ServiceInputs inputs) {
    String fqn = target.fullyQualifiedName(settings.clusterDomain());
    DestinationProfile.Builder profile = DestinationProfile.newBuilder()
        .setFullyQualifiedName(fqn)
        .setOpaqueProtocol(endpoints.opaqueServicePort(inputs.service(), target.port()))
        .setRetryBudget(defaultBudget());
    if (inputs.service() != null) {
      profile.setParentRef(resource("core", "Service", target.name(), target.namespace(), target.port()));
    }
    ServiceProfileResource sp = inputs.profile();
    if (sp == null) {
      return profile.build();
    }
    profile.setProfileRef(resource("linkerd.io", "ServiceProfile", sp.meta().name(), sp.meta().namespace(), 0));
    for (ServiceProfileResource.Route r : sp.routes()) {
      Route.Builder route = Route.newBuilder()
          .setCondition(requestMatch(r.condition()))
          .putMetricsLabels("route", r.name())
          .setIsRetryable(r.isRetryable());
      r.responseClasses().forEach(c -> route.addResponseClasses(
          ResponseClass.newBuilder().setCondition(responseMatch(c.condition())).setIsFailure(c.isFailure())));
      if (r.timeout() != null) {
        route.setTimeout(duration(r.timeout()));
      }
      profile.addRoutes(route);
    }
    if (sp.retryBudget() != null) {
      profile.setRetryBudget(RetryBudget.newBuilder()
          .setRetryRatio((float) sp.retryBudget().retryRatio())
          .setMinRetriesPerSecond(sp.retryBudget().minRetriesPerSecond())
          .setTtl(duration(sp.retryBudget().ttl())));
    }
    sp.dstOverrides().forEach(d -> profile.addDstOverrides(
        WeightedDst.newBuilder().setAuthority(d.authority()).setWeight((int) Math.min(d.weight(), Integer.MAX_VALUE))));
    return profile.build();
  }

  /** An address that is not a Service: no routes, the default budget. */
  public DestinationProfile forAddress(DestinationTarget.Address target, EndpointSnapshot endpoint) {
    DestinationProfile.Builder profile = DestinationProfile.newBuilder().setRetryBudget(defaultBudget());
    endpoint.endpoints().values().stream().findFirst()
        .ifPresent(e -> {
          profile.setEndpoint(UpdateDiff.weightedAddr(e));
          profile.setOpaqueProtocol(e.hint() == EndpointInfo.Hint.OPAQUE);
        });
    return profile.build();
  }

  private RetryBudget defaultBudget() {
    return RetryBudget.newBuilder().setRetryRatio((float) settings.retryRatio())
        .setMinRetriesPerSecond(settings.minRetriesPerSecond()).setTtl(duration(settings.retryTtl())).build();
  }

  private static Metadata resource(String group, String kind, String name, String namespace, int port) {
    return Metadata.newBuilder().setResource(Resource.newBuilder().setGroup(group).setKind(kind).setName(name)
        .setNamespace(namespace).setPort(port)).build();
  }

  private static Duration duration(java.time.Duration d) {
    return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }

  private static RequestMatch requestMatch(ServiceProfileResource.RequestMatch m) {
    RequestMatch.Builder b = RequestMatch.newBuilder();
    if (m.all() != null) {
      RequestMatch.Seq.Builder seq = RequestMatch.Seq.newBuilder();
      m.all().forEach(x -> seq.addMatches(requestMatch(x)));
      b.setAll(seq);
    } else if (m.any() != null) {
      RequestMatch.Seq.Builder seq = RequestMatch.Seq.newBuilder();
      m.any().forEach(x -> seq.addMatches(requestMatch(x)));
      b.setAny(seq);
    } else if (m.not() != null) {
      b.setNot(requestMatch(m.not()));
    } else if (m.pathRegex() != null) {
      b.setPath(PathMatch.newBuilder().setRegex(m.pathRegex()));
    } else {
      b.setMethod(method(m.method()));
    }
    return b.build();
  }

  private static HttpMethod method(String name) {
    try {
      return HttpMethod.newBuilder().setRegistered(HttpMethod.Registered.valueOf(name.toUpperCase(Locale.ROOT))).build();
    } catch (IllegalArgumentException e) {
      return HttpMethod.newBuilder().setUnregistered(name).build();
    }
  }

  private static ResponseMatch responseMatch(ServiceProfileResource.ResponseMatch m) {
    ResponseMatch.Builder b = ResponseMatch.newBuilder();
    if (m.all() != null) {
      ResponseMatch.Seq.Builder seq = ResponseMatch.Seq.newBuilder();
      m.all().forEach(x -> seq.addMatches(responseMatch(x)));
      b.setAll(seq);
    } else if (m.any() != null) {
      ResponseMatch.Seq.Builder seq = ResponseMatch.Seq.newBuilder();
      m.any().forEach(x -> seq.addMatches(responseMatch(x)));
      b.setAny(seq);
    } else if (m.not() != null) {
      b.setNot(responseMatch(m.not()));
    } else {
      b.setStatus(HttpStatusRange.newBuilder().setMin(m.statusMin()).setMax(m.statusMax()));
    }
    return b.build();
  }
}
