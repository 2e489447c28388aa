package io.weft.viz.tap;

import com.google.protobuf.Duration;
import io.linkerd.proxy.http_types.HttpMethod;
import io.linkerd.proxy.http_types.Scheme;
import io.linkerd.proxy.tap.ObserveRequest;
import io.linkerd.proxy.tap.ObserveRequest.Match;
import io.linkerd.proxy.tap.TapEvent;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ServiceResource;
import io.weft.protocol.net.TcpAddresses;
import io.weft.proxy.identity.MeshTls;
import io.weft.proxy.tap.RemoteTap;
import io.weft.viz.inventory.MeshInventory;
import io.weft.viz.query.VizKind;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Linkerd's tap API: a tap of a resource is a tap of each of its meshed pods' proxies (over mesh
 * TLS, as the tap service's identity), merged into one stream of {@link TapView}s enriched with
 * what viz knows of each end, and held to the query's rate of requests. A proxy that cannot be
 * tapped is logged and left out; the others go on.
 */
public final class TapFanout {
  private static final Logger log = LoggerFactory.getLogger(TapFanout.class);
  /** Requests each proxy is asked to follow; viz applies the query's rate itself. */
  private static final int PER_PROXY_LIMIT = Integer.MAX_VALUE;
  private static final long NANOS_PER_MICRO = 1000;

  private final ActorSystem<?> system;
  private final MeshTls tls;
  private final Supplier<MeshInventory> inventory;
  private final Function<PodResource, String> identityOf;
  private final int tapPort;
  private final LongSupplier clock;

  /** {@code tls}: the tap service's mesh identity; {@code identityOf}: the identity a pod's proxy proves. */
  public TapFanout(ActorSystem<?> system, MeshTls tls, Supplier<MeshInventory> inventory, Function<PodResource, String> identityOf,
                   int tapPort, LongSupplier clock) {
    this.system = system;
    this.tls = tls;
    this.inventory = inventory;
    this.identityOf = identityOf;
    this.tapPort = tapPort;
    this.clock = clock;
  }

  /** The pods a query taps; refused when the resource has none meshed. */
  public List<PodResource> pods(TapQuery query) {
    MeshInventory now = inventory.get();
    List<PodResource> pods;
    if (query.resource().kind() == VizKind.SERVICE) {
      ServiceResource service = now.service(query.namespace(), query.resource().name().orElseThrow(
          () -> new IllegalArgumentException("tap a Service by name: svc/NAME"))).orElseThrow(() -> new IllegalArgumentException(
          "service " + query.namespace() + "/" + query.resource().name().get() + " does not exist"));
      pods = now.meshedPods().stream().filter(service::selects).toList();
    } else if (query.resource().kind() == VizKind.NAMESPACE) {
      String namespace = query.resource().name().orElse(query.namespace());
      pods = now.meshedPods().stream().filter(p -> p.meta().namespace().equals(namespace)).toList();
    } else {
      pods = now.meshedPods().stream().filter(p -> query.resource().picks(p, query.namespace())).toList();
    }
    if (pods.isEmpty()) {
      throw new IllegalArgumentException(query.resource() + " in " + query.namespace() + " has no meshed pods to tap");
    }
    return pods;
  }

  public Source<TapView, NotUsed> tap(TapQuery query) {
    ObserveRequest observe = observe(query);
    List<Source<TapView, NotUsed>> taps = new ArrayList<>();
    for (PodResource pod : pods(query)) {
      InetSocketAddress address = new InetSocketAddress(pod.podIP(), tapPort);
      taps.add(RemoteTap.observe(system, tls, address, identityOf.apply(pod), observe)
          .map(event -> view(pod, event))
          .watchTermination((mat, done) -> {
            done.whenComplete((ok, error) -> {
              if (error != null) {
                log.warn("tap of {}/{} at {} ended: {}", pod.meta().namespace(), pod.meta().name(), address, error.getMessage());
              }
            });
            return NotUsed.notUsed();
          })
          .recoverWithRetries(1, Throwable.class, Source::empty));
    }
    Throttle throttle = new Throttle(query.maxRps(), clock);
    return Source.from(taps).flatMapMerge(taps.size(), s -> s).filter(throttle::admits);
  }

  /** Linkerd's tap request: every filter of the query, all of which must match. */
  static ObserveRequest observe(TapQuery query) {
    Match.Seq.Builder all = Match.Seq.newBuilder();
    query.to().ifPresent(to -> {
      String namespace = query.toNamespace().orElse(query.namespace());
      all.addMatches(label("namespace", namespace));
      if (to.kind() != VizKind.NAMESPACE) {
        all.addMatches(label(to.kind().dstLabel().substring("dst_".length()), to.name().orElseThrow()));
      }
    });
    query.method().ifPresent(m -> all.addMatches(http(Match.Http.newBuilder().setMethod(method(m)))));
    query.pathPrefix().ifPresent(p -> all.addMatches(http(Match.Http.newBuilder()
        .setPath(Match.Http.StringMatch.newBuilder().setPrefix(p)))));
    query.authority().ifPresent(a -> all.addMatches(http(Match.Http.newBuilder()
        .setAuthority(Match.Http.StringMatch.newBuilder().setExact(a)))));
    query.scheme().ifPresent(s -> all.addMatches(http(Match.Http.newBuilder().setScheme(scheme(s)))));
    return ObserveRequest.newBuilder().setLimit(PER_PROXY_LIMIT).setMatch(Match.newBuilder().setAll(all))
        .setExtract(ObserveRequest.Extract.newBuilder().setHttp(ObserveRequest.Extract.Http.newBuilder()
            .setHeaders(ObserveRequest.Extract.Http.Headers.getDefaultInstance())))
        .build();
  }

  private static Match label(String key, String value) {
    return Match.newBuilder().setDestinationLabel(Match.Label.newBuilder().setKey(key).setValue(value)).build();
  }

  private static Match http(Match.Http.Builder http) {
    return Match.newBuilder().setHttp(http).build();
  }

  private static HttpMethod method(String method) {
    String m = method.toUpperCase(Locale.ROOT);
    for (HttpMethod.Registered registered : HttpMethod.Registered.values()) {
      if (registered != HttpMethod.Registered.UNRECOGNIZED && registered.name().equals(m)) {
        return HttpMethod.newBuilder().setRegistered(registered).build();
      }
    }
    return HttpMethod.newBuilder().setUnregistered(m).build();
  }

  private static Scheme scheme(String scheme) {
    return switch (scheme.toLowerCase(Locale.ROOT)) {
      case "http" -> Scheme.newBuilder().setRegistered(Scheme.Registered.HTTP).build();
      case "https" -> Scheme.newBuilder().setRegistered(Scheme.Registered.HTTPS).build();
      default -> Scheme.newBuilder().setUnregistered(scheme).build();
    };
  }

  private TapView view(PodResource pod, TapEvent event) {
    boolean inbound = event.getProxyDirection() == TapEvent.ProxyDirection.INBOUND;
    Map<String, String> sourceMeta = new HashMap<>(event.getSourceMeta().getLabelsMap());
    Map<String, String> destinationMeta = new HashMap<>(event.getDestinationMeta().getLabelsMap());
    String source = event.hasSource() ? TcpAddresses.format(event.getSource()) : "";
    String destination = event.hasDestination() ? TcpAddresses.format(event.getDestination()) : "";
    // The tapped pod is one end. Outbound, the proxy labelled the destination from discovery;
    // inbound, the source is found by its address, as Linkerd's tap API does.
    if (inbound) {
      describe(destinationMeta, pod);
      if (event.hasSource()) {
        MeshInventory now = inventory.get();
        now.podAt(TcpAddresses.toInetAddress(event.getSource().getIp()).getHostAddress()).ifPresentOrElse(
            p -> describe(sourceMeta, p), () -> describeIdentity(sourceMeta, now));
      }
    } else {
      describe(sourceMeta, pod);
    }
    String tlsLabel = inbound ? sourceMeta.getOrDefault("tls", "") : destinationMeta.getOrDefault("tls", "");
    String proxy = inbound ? "in" : "out";
    TapEvent.Http http = event.getHttp();
    return switch (http.getEventCase()) {
      case REQUEST_INIT -> {
        var init = http.getRequestInit();
        yield new TapView(TapView.REQUEST, id(init.getId()), proxy, pod.meta().name(), pod.meta().namespace(), source,
            destination, tlsLabel, sourceMeta, destinationMeta, methodName(init.getMethod()), schemeName(init.getScheme()),
            init.getAuthority(), init.getPath(), null, null, null, null, null);
      }
      case RESPONSE_INIT -> {
        var head = http.getResponseInit();
        yield new TapView(TapView.RESPONSE, id(head.getId()), proxy, pod.meta().name(), pod.meta().namespace(), source,
            destination, tlsLabel, sourceMeta, destinationMeta, null, null, null, null, head.getHttpStatus(),
            micros(head.getSinceRequestInit()), null, null, null);
      }
      case RESPONSE_END -> {
        var end = http.getResponseEnd();
        yield new TapView(TapView.END, id(end.getId()), proxy, pod.meta().name(), pod.meta().namespace(), source,
            destination, tlsLabel, sourceMeta, destinationMeta, null, null, null, null, null,
            micros(end.getSinceRequestInit()), end.hasSinceResponseInit() ? micros(end.getSinceResponseInit()) : null,
            end.getResponseBytes(), end.getEos().hasGrpcStatusCode() ? end.getEos().getGrpcStatusCode() : null);
      }
      case EVENT_NOT_SET -> throw new IllegalStateException("a tap event without its HTTP event from " + pod.meta().name());
    };
  }

  /** Adds the resources {@code pod} belongs to, as Linkerd's tap API labels an end. */
  private static void describe(Map<String, String> meta, PodResource pod) {
    meta.put("namespace", pod.meta().namespace());
    meta.put("pod", pod.meta().name());
    meta.put("serviceaccount", pod.serviceAccount());
    if (pod.owner() != null) {
      meta.put(pod.owner().kind().toLowerCase(Locale.ROOT), pod.owner().name());
    }
  }

  /**
   * A source no pod has the address of (its proxy connected from another, e.g. a shared host's
   * loopback) is told by the identity it proved: its service account and namespace, and its
   * workload when all that account's pods belong to one.
   */
  private void describeIdentity(Map<String, String> meta, MeshInventory now) {
    String clientId = meta.getOrDefault("client_id", "");
    for (PodResource p : now.meshedPods()) {
      if (identityOf.apply(p).equals(clientId)) {
        meta.put("namespace", p.meta().namespace());
        meta.put("serviceaccount", p.serviceAccount());
        List<PodResource> same = now.meshedPods().stream().filter(o -> identityOf.apply(o).equals(clientId)).toList();
        if (p.owner() != null && same.stream().allMatch(o -> p.owner().equals(o.owner()))) {
          meta.put(p.owner().kind().toLowerCase(Locale.ROOT), p.owner().name());
        }
        if (same.size() == 1) {
          meta.put("pod", p.meta().name());
        }
        return;
      }
    }
  }

  private static String id(TapEvent.Http.StreamId id) {
    return id.getBase() + ":" + id.getStream();
  }

  private static long micros(Duration d) {
    return (d.getSeconds() * 1_000_000_000L + d.getNanos()) / NANOS_PER_MICRO;
  }

  private static String methodName(HttpMethod method) {
    return method.hasRegistered() ? method.getRegistered().name() : method.getUnregistered();
  }

  private static String schemeName(Scheme scheme) {
    return scheme.hasRegistered() ? scheme.getRegistered().name().toLowerCase(Locale.ROOT) : scheme.getUnregistered();
  }

  /**
   * Holds a tap to its rate of requests: a request over the rate is left out with all its
   * events. One per tap stream, used by that stream only.
   */
  private static final class Throttle {
    private static final long SECOND = 1_000_000_000L;
    private final double maxRps;
    private final LongSupplier clock;
    private final Set<String> dropped = new java.util.HashSet<>();
    private long windowStart;
    private int admitted;

    Throttle(double maxRps, LongSupplier clock) {
      this.maxRps = maxRps;
      this.clock = clock;
      this.windowStart = clock.getAsLong();
    }

    boolean admits(TapView view) {
      String key = view.pod() + "/" + view.proxy() + "/" + view.id();
      if (!view.type().equals(TapView.REQUEST)) {
        boolean keep = !dropped.contains(key);
        if (view.type().equals(TapView.END)) {
          dropped.remove(key);
        }
        return keep;
      }
      long now = clock.getAsLong();
      if (now - windowStart >= SECOND) {
        windowStart = now;
        admitted = 0;
      }
      if (admitted < maxRps) {
        admitted++;
        return true;
      }
      dropped.add(key);
      return false;
    }
  }
}
