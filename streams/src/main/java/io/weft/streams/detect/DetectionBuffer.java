package io.weft.streams.detect;

import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

import java.time.Duration;

/**
 * Holds a connection's first bytes back until {@link Protocol#of} can decide, the buffer reaches
 * {@code maxBytes}, the input ends, or {@code timeout} passes; then emits them as one element (empty
 * if the peer said nothing) and passes everything after it through unchanged. A timeout never
 * fails the connection: the caller treats an undecided prefix as opaque, as Linkerd does.
 */
public final class DetectionBuffer extends GraphStage<FlowShape<ByteString, ByteString>> {
  private final Duration timeout;
  private final int maxBytes;
  private final Inlet<ByteString> in = Inlet.create("DetectionBuffer.in");
  private final Outlet<ByteString> out = Outlet.create("DetectionBuffer.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);

  public DetectionBuffer(Duration timeout, int maxBytes) {
    this.timeout = timeout;
    this.maxBytes = maxBytes;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new TimerGraphStageLogic(shape) {
      private ByteString buffer = ByteString.emptyByteString();
      private boolean decided;

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            ByteString chunk = grab(in);
            if (decided) {
              push(out, chunk);
              return;
            }
            buffer = buffer.concat(chunk);
            if (buffer.size() >= maxBytes || Protocol.of(buffer).isPresent()) {
              release();
            } else {
              pull(in);
            }
          }

          @Override
          public void onUpstreamFinish() {
            if (!decided) {
              decided = true;
              cancelTimer("detect");
              emit(out, buffer);
            }
            completeStage();
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            if (!hasBeenPulled(in) && !isClosed(in)) {
              pull(in);
            }
          }
        });
      }

      @Override
      public void preStart() {
        scheduleOnce("detect", timeout);
      }

      @Override
      public void onTimer(Object key) {
        if (!decided) {
          release();
        }
      }

      private void release() {
        decided = true;
        cancelTimer("detect");
        ByteString prefix = buffer;
        buffer = ByteString.emptyByteString();
        push(out, prefix);
      }
    };
  }
}
