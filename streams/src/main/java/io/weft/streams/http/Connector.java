package io.weft.streams.http;

import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

import java.util.concurrent.CompletionStage;

/** Makes a client's connections: the bytes of a new one, its materialized value completing once connected, or failing. */
@FunctionalInterface
public interface Connector {
  Flow<ByteString, ByteString, CompletionStage<?>> connect();
}
