package io.weft.proxy.outbound;

import io.linkerd.proxy.destination.DestinationProfile;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.weft.proxy.discovery.LatestAnswer;
import io.weft.proxy.route.PolicyRoutes;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The actor that owns one logical destination's shape: the latest profile and outbound-policy
 * answers discovery has for it. Each answer arrives as a message, and the destination's
 * {@link LogicalService} compiles the two into a new immutable route table, which the request path
 * reads without locks. The policy stream it follows is the one the request path last found in
 * discovery, so a stream discovery let go (and started again) is never followed stale. It stops
 * when discovery stops following the profile.
 */
final class LogicalDestination {
  sealed interface Command {}

  /** Follow this policy stream from now on (the request path found it in discovery). */
  record Follow(LatestAnswer<OutboundPolicy> policy) implements Command {}

  private record Profiled(DestinationProfile answer) implements Command {}

  private record Policed(LatestAnswer<OutboundPolicy> from, OutboundPolicy answer) implements Command {}

  private enum Stop implements Command { INSTANCE }

  private LogicalDestination() {}

  static Behavior<Command> create(LatestAnswer<DestinationProfile> profile, LogicalService service) {
    return Behaviors.setup(context -> {
      profile.subscribe(answer -> context.getSelf().tell(new Profiled(answer)));
      profile.dropped().thenRun(() -> context.getSelf().tell(Stop.INSTANCE));
      if (profile.current().isEmpty()) {
        // The control plane did not answer in time: no profile, until it does.
        service.publish(DestinationProfile.getDefaultInstance(), PolicyRoutes.NONE);
      }
      return following(service, DestinationProfile.getDefaultInstance(), null, PolicyRoutes.NONE, profile.current().isEmpty());
    });
  }

  /** {@code policy}: the stream followed (null: none); {@code profiled}: whether the profile has answered. */
  private static Behavior<Command> following(LogicalService service, DestinationProfile profile, LatestAnswer<OutboundPolicy> policy,
                                             PolicyRoutes routes, boolean profiled) {
    return Behaviors.receive(Command.class)
        .onMessage(Profiled.class, m -> {
          service.publish(m.answer(), routes);
          return following(service, m.answer(), policy, routes, true);
        })
        .onMessage(Follow.class, m -> {
          if (m.policy() == policy) {
            return Behaviors.same();
          }
          service.following(m.policy());
          return Behaviors.setup(context -> {
            LatestAnswer<OutboundPolicy> stream = m.policy();
            // What the stream knows already counts at once: no table is published without it.
            PolicyRoutes known = stream.current().map(PolicyRoutes::of).orElse(routes);
            if (profiled && known != routes) {
              service.publish(profile, known);
            }
            stream.subscribe(answer -> context.getSelf().tell(new Policed(stream, answer)));
            return following(service, profile, stream, known, profiled);
          });
        })
        .onMessage(Policed.class, m -> {
          if (m.from() != policy) {
            return Behaviors.same(); // from a stream no longer followed
          }
          PolicyRoutes compiled = PolicyRoutes.of(m.answer());
          // Until the profile has answered, requests wait for it anyway: nothing to publish yet.
          if (profiled) {
            service.publish(profile, compiled);
          }
          return following(service, profile, policy, compiled, profiled);
        })
        .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
        .build();
  }
}
