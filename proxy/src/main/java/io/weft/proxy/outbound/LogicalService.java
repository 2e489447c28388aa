package io.weft.proxy.outbound;

import io.linkerd.proxy.outbound.OutboundPolicy;
import io.weft.proxy.discovery.LatestAnswer;
import io.linkerd.proxy.destination.DestinationProfile;
import io.weft.proxy.metrics.PolicyRouteMetrics;
import io.weft.proxy.metrics.RouteMetrics;
import io.weft.proxy.route.PolicyRoutes;
import io.weft.proxy.route.Profile;
import io.weft.proxy.route.ProfileCompiler;
import io.weft.proxy.route.ProfileRoute;
import io.weft.streams.balance.WeightedSplit;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.queue.Timer;
import io.weft.streams.retry.Retry;
import io.weft.streams.retry.RetryBudget;
import io.weft.streams.retry.RetryPolicy;
import io.weft.streams.service.Service;
import io.weft.streams.timeout.Timeout;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.stream.Materializer;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One logical destination as its profile shapes it (Linkerd's "logical" stack): each request takes
 * the first of the profile's routes that matches, and each route is its own stack — per-route
 * metrics, the route's timeout (retries included), retries within the profile's budget, per-attempt
 * metrics — in front of the destination's backends, split by weight when the profile has
 * {@code dstOverrides}. Without a ServiceProfile that routes or splits, the Service's outbound
 * policy routes it instead ({@link PolicyRouter}: its HTTPRoutes or GRPCRoutes, or the default
 * route with the retries and timeouts of its annotations). Its answers are owned by an actor
 * ({@link LogicalDestination}); every new answer builds a new immutable table of routes, which
 * requests read without locks.
 */
final class LogicalService implements Service<Request, Response> {
  /**
   * How routes are built: profile and policy route metrics, the timer and materializer of timeouts
   * and retries, and how much body a retry holds.
   */
  record Settings(RouteMetrics metrics, PolicyRouteMetrics policyMetrics, Timer timer, Materializer materializer, long maxRetryBodyBytes) {}

  private final String authority;
  private final Service<Request, Response> own;
  private final Function<String, Service<Request, Response>> concrete;
  private final Settings settings;
  private final Supplier<Optional<LatestAnswer<OutboundPolicy>>> policy;
  private final ActorRef<LogicalDestination.Command> owner;
  /** Null until the owner publishes the first table. */
  private volatile Routes routes;
  private final java.util.concurrent.CompletableFuture<Void> published = new java.util.concurrent.CompletableFuture<>();
  /** The policy stream the owner follows; the request path compares it with discovery's. */
  private volatile LatestAnswer<OutboundPolicy> followedPolicy;

  /**
   * {@code policy}: the Service's outbound policy stream, as discovery has it now (empty for a pod's
   * address or without a policy service); {@code own}: this destination's backend;
   * {@code concrete}: the backend of another authority a split or route names (it may name this
   * one too); {@code spawn} starts the actor that owns the destination's answers.
   */
  LogicalService(String authority, LatestAnswer<DestinationProfile> profile, Supplier<Optional<LatestAnswer<OutboundPolicy>>> policy,
                 Service<Request, Response> own, Function<String, Service<Request, Response>> concrete, Settings settings,
                 Function<Behavior<LogicalDestination.Command>, ActorRef<LogicalDestination.Command>> spawn) {
    this.authority = authority;
    this.own = own;
    this.concrete = concrete;
    this.settings = settings;
    this.policy = policy;
    // The policy stream is the owner's first message, so the first table it publishes has both answers.
    this.owner = spawn.apply(LogicalDestination.create(profile, this));
    followPolicy();
  }

  @Override
  public CompletionStage<Response> call(Request request) {
    followPolicy();
    Routes current = routes;
    if (current == null) {
      // The owner has not compiled the profile discovery already has: a moment's wait.
      return published.thenCompose(done -> routes.call(request));
    }
    return current.call(request);
  }

  /** Keeps the policy followed while requests come, and hands its owner the stream discovery has now. */
  private void followPolicy() {
    policy.get().ifPresent(current -> {
      if (current != followedPolicy) {
        owner.tell(new LogicalDestination.Follow(current));
      }
    });
  }

  /** The owner follows {@code stream} from now on. */
  void following(LatestAnswer<OutboundPolicy> stream) {
    followedPolicy = stream;
  }

  /**
   * Compiles the latest answers into the table requests read from now on; only the owner calls
   * this, one answer at a time. The retry budget carries over while its settings stay the same.
   */
  void publish(DestinationProfile answer, PolicyRoutes policyRoutes) {
    Profile profile = ProfileCompiler.compile(answer);
    String dst = answer.getFullyQualifiedName().isEmpty() ? authority
        : answer.getFullyQualifiedName() + authority.substring(authority.lastIndexOf(':'));
    Service<Request, Response> target = profile.splits().isEmpty() ? own
        : new WeightedSplit<>(profile.splits().stream()
            .map(s -> new WeightedSplit.Weighted<>(s.authority().equals(dst) ? own : concrete.apply(s.authority()), s.weight()))
            .toList());
    // A ServiceProfile that routes or splits wins, as in Linkerd 2.14; else the policy's routes.
    if (!profile.fromServiceProfile() || (profile.routes().isEmpty() && profile.splits().isEmpty())) {
      routes = new Routes(profile, Map.of(), null, policyRoutes.routes().isEmpty() ? callersTimeout().wrap(target)
          : new PolicyRouter(policyRoutes, backend -> backend.equals(dst) || backend.equals(authority) ? own : concrete.apply(backend),
              settings));
      published.complete(null);
      return;
    }
    Routes previous = routes;
    RetryBudget budget = previous != null && previous.budget != null && previous.profile.budget().equals(profile.budget()) ? previous.budget
        : new RetryBudget(profile.budget().ratio(), profile.budget().minPerSecond(), profile.budget().ttl());
    Map<ProfileRoute, Service<Request, Response>> stacks = new IdentityHashMap<>();
    for (ProfileRoute route : profile.routes()) {
      stacks.put(route, stack(dst, route, budget, target));
    }
    routes = new Routes(profile, Collections.unmodifiableMap(stacks), budget, stack(dst, ProfileRoute.DEFAULT, budget, target));
    published.complete(null);
  }

  private Service<Request, Response> stack(String dst, ProfileRoute route, RetryBudget budget, Service<Request, Response> target) {
    RouteMetrics.Route metrics = settings.metrics().route("outbound", dst, route.name(), route.classes()::isFailure);
    RetryPolicy policy = new RetryPolicy() {
      @Override
      public boolean retryable(Request request) {
        return route.retryable();
      }

      @Override
      public boolean retryOn(Request request, Response response) {
        return route.classes().isFailure(response);
      }

      @Override
      public int maxRetries() {
        return Integer.MAX_VALUE; // a profile's retries are budgeted, not counted, as Linkerd's are
      }
    };
    return metrics.effective()
        .andThen(new Timeout(request -> route.timeout(), settings.timer(), settings.materializer()))
        .andThen(new Retry(policy, Optional.of(budget), settings.maxRetryBodyBytes(), settings.timer(), settings.materializer(),
            metrics::retrySkippedForBudget))
        .andThen(metrics.actual())
        .wrap(target);
  }

  /** Without a ServiceProfile only the caller's own deadline ({@code grpc-timeout}) applies. */
  private Timeout callersTimeout() {
    return new Timeout(request -> Optional.empty(), settings.timer(), settings.materializer());
  }

  /** One profile's routes, immutable: the stack of each route, and the stack of requests no route takes. */
  private record Routes(Profile profile, Map<ProfileRoute, Service<Request, Response>> stacks, RetryBudget budget,
                        Service<Request, Response> unmatched) {
    CompletionStage<Response> call(Request request) {
      if (stacks.isEmpty()) {
        return unmatched.call(request);
      }
      ProfileRoute route = profile.route(request);
      Service<Request, Response> stack = stacks.get(route);
      return (stack != null ? stack : unmatched).call(request);
    }
  }
}
