package io.weft.actors.identity;

import io.weft.protocol.identity.Issuer;
import io.weft.protocol.identity.IssuerMaterial;
import io.weft.k8s.identity.IssuerSource;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Holds the identity service's current issuer and reloads it from its source every interval. A
 * new issuer is used only once it checks out (parses, chains to a trusted anchor, matches its
 * key); a bad one is logged with the reason and the previous issuer keeps signing.
 */
public final class IssuerKeeper {
  public sealed interface Command {}

  /** Replies with the current {@link State}. */
  public record Get(ActorRef<State> replyTo) implements Command {}

  /**
   * The issuer in use (empty while none has loaded) and why the latest material read was refused,
   * if it was (then the issuer in use is the one before it).
   */
  public record State(Optional<Issuer> issuer, Optional<String> refusal) {}

  private record Reload() implements Command {}

  private record Read(Optional<IssuerMaterial> material, Throwable error) implements Command {}

  private IssuerKeeper() {}

  public static Behavior<Command> create(IssuerSource source, Duration interval, Clock clock, Executor blocking) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Reload(), interval);
      ctx.getSelf().tell(new Reload());
      return running(ctx, source, clock, blocking, new State(Optional.empty(), Optional.empty()), Optional.empty(), false);
    }));
  }

  private static Behavior<Command> running(ActorContext<Command> ctx, IssuerSource source, Clock clock, Executor blocking,
                                           State current, Optional<IssuerMaterial> seen, boolean reading) {
    return Behaviors.receive(Command.class)
        .onMessage(Get.class, get -> {
          get.replyTo().tell(current);
          return Behaviors.same();
        })
        .onMessage(Reload.class, r -> {
          if (reading) {
            return Behaviors.same();
          }
          ctx.pipeToSelf(CompletableFuture.supplyAsync(() -> {
            try {
              return source.read();
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }, blocking), Read::new);
          return running(ctx, source, clock, blocking, current, seen, true);
        })
        .onMessage(Read.class, read -> {
          if (read.error() != null) {
            ctx.getLog().warn("cannot read the identity issuer from {}: {}", source.describe(), read.error().getMessage());
            return running(ctx, source, clock, blocking, current, seen, false);
          }
          if (read.material().isEmpty() || read.material().equals(seen)) {
            return running(ctx, source, clock, blocking, current, seen, false);
          }
          try {
            Issuer issuer = Issuer.load(read.material().get(), clock.instant());
            ctx.getLog().info("identity issuer {} loaded from {} (valid until {}, {} trust anchor(s))",
                issuer.credential().certificate().getSubjectX500Principal().getName(), source.describe(),
                issuer.credential().certificate().getNotAfter().toInstant(), issuer.anchors().anchors().size());
            return running(ctx, source, clock, blocking, new State(Optional.of(issuer), Optional.empty()), read.material(), false);
          } catch (IllegalArgumentException e) {
            ctx.getLog().error("refusing the identity issuer from {}: {}{}", source.describe(), e.getMessage(),
                current.issuer().isPresent() ? "; still signing with the previous issuer" : "; no certificates can be issued");
            return running(ctx, source, clock, blocking, new State(current.issuer(), Optional.of(e.getMessage())),
                read.material(), false);
          }
        })
        .build();
  }
}
