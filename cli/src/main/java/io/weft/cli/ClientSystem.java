package io.weft.cli;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** A small local ActorSystem for commands that are only clients of a control plane. */
final class ClientSystem {
  private ClientSystem() {}

  static ActorSystem<Void> create() {
    return ActorSystem.create(Behaviors.empty(), "weft-cli", ConfigFactory.parseString(
        "pekko.actor.provider = local\npekko.loglevel = WARNING\npekko.stdout-loglevel = OFF").withFallback(ConfigFactory.load()));
  }
}
