package io.weft.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.linkerd.proxy.destination.DestinationHandlerFactory;
import io.linkerd.proxy.identity.IdentityHandlerFactory;
import io.weft.actors.admin.ControlPlaneAdmin;
import io.weft.actors.discovery.EndpointView;
import io.weft.actors.entity.PodPolicyEntity;
import io.weft.actors.entity.StateEntity;
import io.weft.actors.entity.PodEntity;
import io.weft.actors.entity.ServiceEntity;
import io.weft.actors.eventlog.EventLog;
import io.weft.actors.grpc.DestinationGetHandler;
import io.weft.actors.grpc.DestinationService;
import io.weft.actors.grpc.IdentityService;
import io.weft.actors.grpc.InboundPolicyService;
import io.weft.actors.grpc.OutboundPolicyService;
import io.weft.actors.discovery.EndpointView;
import io.weft.actors.discovery.OutboundPolicySettings;
import io.weft.actors.discovery.InboundPolicyView;
import io.weft.actors.discovery.OutboundPolicyView;
import io.linkerd.proxy.inbound.InboundServerPoliciesHandlerFactory;
import io.linkerd.proxy.outbound.OutboundPoliciesHandlerFactory;
import io.weft.actors.identity.IdentitySettings;
import io.weft.actors.identity.IssuerKeeper;
import io.weft.actors.index.ResourceIndex;
import io.weft.actors.query.ClusterQueries;
import io.weft.k8s.ClusterBackend;
import io.weft.k8s.identity.IssuerSource;
import io.weft.k8s.model.ClusterEvent;
import io.weft.operator.admission.AdmissionObserver;
import io.weft.operator.admission.AdmissionReviews;
import io.weft.operator.admission.AdmissionWebhooks;
import io.weft.operator.inject.ProxyInjector;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.grpc.javadsl.ServiceHandler;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * One control-plane node, wired at start-up: its cluster watches feed (through the event log) its
 * resource index; Service, EndpointSlice and Pod entities are sharded across the nodes; the
 * Destination and Identity APIs, the admin port and (when configured) the admission webhooks are
 * served. Questions about the cluster go through {@link #queries()}.
 */
public final class ControlPlane implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);
  public static final String SYSTEM_NAME = "weft";
  private static final String REQUIRED_SETTINGS = "weft-control-plane.conf";

  private final ActorSystem<Void> system;
  private final UniqueKillSwitch watches;
  private final ServerBinding binding;
  private final Optional<EventLog> eventLog;
  private final ClusterQueries queries;
  private final DestinationService destination;
  private final IdentityService identity;
  private final ControlPlaneAdmin admin;
  private final ServerBinding adminBinding;
  private final Optional<ServerBinding> webhookBinding;

  private ControlPlane(ActorSystem<Void> system, ClusterQueries queries, DestinationService destination, IdentityService identity,
                       UniqueKillSwitch watches, ServerBinding binding, Optional<EventLog> eventLog, ControlPlaneAdmin admin,
                       ServerBinding adminBinding, Optional<ServerBinding> webhookBinding) {
    this.system = system;
    this.queries = queries;
    this.destination = destination;
    this.identity = identity;
    this.watches = watches;
    this.binding = binding;
    this.eventLog = eventLog;
    this.admin = admin;
    this.adminBinding = adminBinding;
    this.webhookBinding = webhookBinding;
  }

  /** A node without admission webhooks. */
  public static ControlPlane start(Config given, ClusterBackend backend, Optional<Address> join) {
    return start(given, backend, join, Optional.empty());
  }

  /**
   * Starts a node. With {@code join} empty the node forms a cluster of its own (when
   * {@code weft.control-plane.join-self} is on), else it joins the node at that address; with
   * {@code weft.control-plane.cluster-bootstrap.enabled} Pekko Management's cluster bootstrap does
   * either. With {@code webhooks} the node also serves the admission webhooks, deciding from the
   * namespaces its index holds.
   */
  public static ControlPlane start(Config given, ClusterBackend backend, Optional<Address> join,
                                   Optional<AdmissionWebhooks.Settings> webhooks) {
    Config config = ConfigFactory.parseResources(ControlPlane.class.getClassLoader(), REQUIRED_SETTINGS)
        .withFallback(given).resolve();
    ControlPlaneSettings settings = ControlPlaneSettings.from(config);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), SYSTEM_NAME, config);
    try {
      joinCluster(system, settings, join);
      ActorRef<ResourceIndex.Command> index =
          system.systemActorOf(ResourceIndex.create(settings.discovery().clusterDomain()), "resource-index", Props.empty());
      startEntities(system, index, new EndpointView(settings.discovery()), settings.entityIdleTimeout());
      Optional<EventLog> eventLog = settings.eventLog().map(s -> new EventLog(s, Clock.systemUTC()));
      UniqueKillSwitch watches = feed(system, backend, index, eventLog, settings.askTimeout());

      // Serve only a complete view: a proxy must never be told a Service does not exist because
      // the control plane has not finished reading the cluster.
      log.info("waiting for the initial state of {}", backend.describe());
      AskPattern.<ResourceIndex.Command, Done>ask(index, ResourceIndex.AwaitSynced::new, settings.initialSyncTimeout(), system.scheduler())
          .toCompletableFuture().exceptionally(e -> {
            throw new IllegalStateException("no initial state from " + backend.describe() + " within "
                + settings.initialSyncTimeout().toSeconds() + "s", e);
          }).join();
      ClusterQueries queries = new ClusterQueries(index, system.scheduler(), settings.askTimeout());
      DestinationService destination = new DestinationService(system, index, settings.discovery(), settings.askTimeout());
      IdentityService identity = identityService(system, backend, settings);
      OutboundPolicyService outboundPolicies = new OutboundPolicyService(system, destination,
          new OutboundPolicyView(settings.discovery(), OutboundPolicySettings.from(config), new EndpointView(settings.discovery())),
          settings.discovery().clusterDomain());
      InboundPolicyService inboundPolicies = new InboundPolicyService(system,
          new InboundPolicyView(settings.discovery(), InboundPolicyView.Settings.from(config)));
      var apis = ServiceHandler.concatOrNotFound(
          DestinationHandlerFactory.partial(destination, io.linkerd.proxy.destination.Destination.name, system),
          OutboundPoliciesHandlerFactory.partial(outboundPolicies, io.linkerd.proxy.outbound.OutboundPolicies.name, system),
          InboundServerPoliciesHandlerFactory.partial(inboundPolicies, io.linkerd.proxy.inbound.InboundServerPolicies.name, system),
          IdentityHandlerFactory.partial(identity, io.linkerd.proxy.identity.Identity.name, system));
      ServerBinding binding = Http.get(system)
          .newServerAt(settings.destinationInterface(), settings.destinationPort())
          .bind(new DestinationGetHandler(system, destination, settings.askTimeout(), settings.discovery().updateMemoSlots(),
              settings.discovery().compressAbove()).orElse(apis))
          .toCompletableFuture().join();
      log.info("control plane serving the Destination, OutboundPolicies, InboundServerPolicies and Identity APIs on {} from {}",
          binding.localAddress(), backend.describe());
      ControlPlaneAdmin admin = new ControlPlaneAdmin();
      ServerBinding adminBinding = admin.bind(system, settings.adminInterface(), settings.adminPort(),
          new io.weft.actors.admin.DiagnosticsFeed(system, destination, inboundPolicies)).toCompletableFuture().join();
      Optional<ServerBinding> webhookBinding = webhooks.map(w -> serveWebhooks(system, w, queries, admin, backend)
          .toCompletableFuture().join());
      return new ControlPlane(system, queries, destination, identity, watches, binding, eventLog, admin, adminBinding, webhookBinding);
    } catch (RuntimeException e) {
      system.terminate();
      throw e;
    }
  }

  private static void joinCluster(ActorSystem<Void> system, ControlPlaneSettings settings, Optional<Address> join) {
    Cluster cluster = Cluster.get(system);
    if (settings.clusterBootstrap()) {
      // The nodes find each other through the Kubernetes API; the first to see them all forms the cluster.
      org.apache.pekko.management.javadsl.PekkoManagement.get(system).start().toCompletableFuture().join();
      org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap.get(system).start();
    } else {
      join.or(() -> settings.joinSelf() ? Optional.of(cluster.selfMember().address()) : Optional.empty())
          .ifPresent(address -> cluster.manager().tell(Join.create(address)));
    }
  }

  private static void startEntities(ActorSystem<Void> system, ActorRef<ResourceIndex.Command> index, EndpointView view,
                                    Duration idleTimeout) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(ServiceEntity.TYPE, ctx -> ServiceEntity.create(ctx, index, view, idleTimeout)));
    sharding.init(Entity.of(StateEntity.SLICE, ctx -> StateEntity.slice(ctx, index, idleTimeout)));
    sharding.init(Entity.of(StateEntity.SERVER, ctx -> StateEntity.server(ctx, index, idleTimeout)));
    sharding.init(Entity.of(PodPolicyEntity.TYPE, ctx -> PodPolicyEntity.create(ctx, index, idleTimeout)));
    sharding.init(Entity.of(PodEntity.TYPE, ctx -> PodEntity.create(ctx, index, view, idleTimeout)));
  }

  /** Every input event is recorded, then applied to the index, one at a time (the index's answer is the backpressure). */
  private static UniqueKillSwitch feed(ActorSystem<Void> system, ClusterBackend backend, ActorRef<ResourceIndex.Command> index,
                                       Optional<EventLog> eventLog, Duration timeout) {
    return backend.events()
        .map(event -> {
          eventLog.ifPresent(l -> l.append(event)); // recorded before any actor sees it
          io.weft.actors.feed.FeedEvent.applied(system, event);
          return event;
        })
        .withAttributes(ActorAttributes.dispatcher("pekko.actor.default-blocking-io-dispatcher"))
        .mapAsync(1, event -> AskPattern.<ResourceIndex.Command, Done>ask(index,
            replyTo -> new ResourceIndex.Apply(event, replyTo), timeout, system.scheduler()))
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.ignore(), Keep.left())
        .run(system);
  }

  /**
   * The identity service: its issuer from the configured files, else from the cluster (Linkerd's
   * issuer Secret); with neither, Certify answers UNAVAILABLE until one appears.
   */
  private static IdentityService identityService(ActorSystem<Void> system, ClusterBackend backend, ControlPlaneSettings settings) {
    IdentitySettings identity = settings.identity();
    String namespace = settings.discovery().controlPlaneNamespace();
    IssuerSource source = identity.files()
        .map(f -> IssuerSource.files(f.trustAnchors(), f.certificate(), f.key()))
        .or(() -> backend.issuerSource(namespace))
        .orElseGet(IssuerSource::none);
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    ActorRef<IssuerKeeper.Command> issuer = system.systemActorOf(
        IssuerKeeper.create(source, identity.reloadInterval(), Clock.systemUTC(), blocking), "identity-issuer", Props.empty());
    return new IdentityService(system, issuer, backend.tokenReviewer(), identity, namespace, settings.discovery().trustDomain(),
        settings.askTimeout(), Clock.systemUTC());
  }

  /** The webhooks count into the admin port's metrics and record Linkerd's events through the backend. */
  private static CompletionStage<ServerBinding> serveWebhooks(ActorSystem<Void> system, AdmissionWebhooks.Settings webhooks,
                                                              ClusterQueries queries, ControlPlaneAdmin admin, ClusterBackend backend) {
    AdmissionReviews reviews = new AdmissionReviews(new ProxyInjector(webhooks.injection()), queries::namespaceAnnotations,
        admin.admission().andThen(AdmissionObserver.events(backend.eventRecorder(AdmissionWebhooks.INJECTOR_COMPONENT))));
    return AdmissionWebhooks.bind(system, webhooks, reviews);
  }

  public int destinationPort() {
    return binding.localAddress().getPort();
  }

  /** The admin port: /live, /ready, /metrics. */
  public int adminPort() {
    return adminBinding.localAddress().getPort();
  }

  /** The admission webhooks' port, when the node serves them. */
  public Optional<Integer> webhookPort() {
    return webhookBinding.map(b -> b.localAddress().getPort());
  }

  /** The node's metrics, which the admission webhooks count into. */
  public ControlPlaneAdmin admin() {
    return admin;
  }

  /** Questions about the cluster this node sees. */
  public ClusterQueries queries() {
    return queries;
  }

  public Address clusterAddress() {
    return Cluster.get(system).selfMember().address();
  }

  /** The Identity service itself, for callers in this JVM. */
  public IdentityService identity() {
    return identity;
  }

  /** The Destination service itself, for callers in this JVM (no gRPC in between). */
  public DestinationService destination() {
    return destination;
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** Leaves the cluster (handing its entities over) and stops. */
  @Override
  public void close() {
    watches.shutdown();
    binding.unbind().toCompletableFuture().join();
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
    eventLog.ifPresent(l -> {
      try {
        l.close();
      } catch (IOException e) {
        log.warn("closing the event log: {}", e.getMessage());
      }
    });
  }
}
