package io.weft.proxy.tap;

import io.grpc.Status;
import io.linkerd.proxy.tap.ObserveRequest;
import io.linkerd.proxy.tap.Tap;
import io.linkerd.proxy.tap.TapEvent;
import org.apache.pekko.NotUsed;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Linkerd's {@code Tap.Observe}: a tap of this proxy's requests, refused with INVALID_ARGUMENT when it cannot be served. */
final class TapService implements Tap {
  private static final Logger log = LoggerFactory.getLogger(TapService.class);
  private final Taps taps;

  TapService(Taps taps) {
    this.taps = taps;
  }

  @Override
  public Source<TapEvent, NotUsed> observe(ObserveRequest in) {
    try {
      return taps.observe(in);
    } catch (TapMatch.InvalidMatch e) {
      log.warn("refused a tap: {}", e.getMessage());
      return Source.failed(new GrpcServiceException(Status.INVALID_ARGUMENT.withDescription(e.getMessage())));
    }
  }
}
