package io.weft.actors.entity;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.weft.actors.state.CborSerializable;
import org.apache.pekko.actor.typed.ActorRef;

/** A value pushed by an entity to a subscriber, with the entity incarnation that sent it. */
public record Delivery<T>(ActorRef<?> from, @JsonTypeInfo(use = JsonTypeInfo.Id.CLASS) T value)
    implements Subscription.Command<T>, CborSerializable {}
