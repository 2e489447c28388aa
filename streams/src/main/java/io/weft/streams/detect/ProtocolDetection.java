package io.weft.streams.detect;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import java.time.Duration;
import java.util.function.Function;

/**
 * A connection's byte flow that first detects the protocol, then runs the flow chosen for it over
 * the whole connection (the detected prefix included; a transport header is removed).
 */
public final class ProtocolDetection {
  private ProtocolDetection() {}

  public static Flow<ByteString, ByteString, NotUsed> flow(Duration timeout, int maxBytes,
                                                           Function<Protocol, Flow<ByteString, ByteString, ?>> route) {
    return Flow.<ByteString>create()
        .via(new DetectionBuffer(timeout, maxBytes))
        .flatMapPrefix(1, prefix -> {
          ByteString first = prefix.isEmpty() ? ByteString.emptyByteString() : prefix.get(0);
          Protocol protocol = Protocol.decide(first);
          Flow<ByteString, ByteString, ?> chosen = route.apply(protocol);
          // The chosen flow sees the connection's payload: a transport header is not part of it.
          ByteString payload = protocol instanceof Protocol.Transport t ? first.drop(t.length()) : first;
          Flow<ByteString, ByteString, NotUsed> replay = Flow.<ByteString>create()
              .prepend(payload.isEmpty() ? Source.empty() : Source.single(payload));
          return replay.via(chosen);
        })
        .mapMaterializedValue(m -> NotUsed.notUsed());
  }
}
