package io.weft.streams.stage;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.AbruptStageTerminationException;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SubscriptionWithCancelException;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

import java.util.function.Consumer;

/**
 * Bytes passed through unchanged, each chunk's size told to a {@link Listener} as it passes and the
 * flow's end told once: what {@code map} with {@code watchTermination} did in two stages, in one,
 * and without the termination future (whose Java view runs its callbacks as a task on the JDK's
 * common pool — a thread woken per body or connection).
 */
public final class Tally extends GraphStage<FlowShape<ByteString, ByteString>> {
  /** Told on the stream's own thread; never concurrently. */
  public interface Listener {
    void passed(int bytes);

    /** The flow ended: {@code failure} is null when it completed or its reader stopped without an error. */
    void ended(Throwable failure);
  }

  private final Inlet<ByteString> in = Inlet.create("Tally.in");
  private final Outlet<ByteString> out = Outlet.create("Tally.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final Listener listener;

  private Tally(Listener listener) {
    this.listener = listener;
  }

  /** A flow telling {@code listener}; materialize it once (the listener's state is one stream's). */
  public static Flow<ByteString, ByteString, NotUsed> of(Listener listener) {
    return Flow.fromGraph(new Tally(listener));
  }

  /** A flow that only tells its end. */
  public static Flow<ByteString, ByteString, NotUsed> onEnd(Consumer<Throwable> ended) {
    return of(new Listener() {
      @Override
      public void passed(int bytes) {}

      @Override
      public void ended(Throwable failure) {
        ended.accept(failure);
      }
    });
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new Logic();
  }

  private final class Logic extends GraphStageLogic {
    private boolean ended;

    Logic() {
      super(shape);
      setHandlers(in, out, new AbstractInOutHandler() {
        @Override
        public void onPush() {
          ByteString bytes = grab(in);
          listener.passed(bytes.size());
          push(out, bytes);
        }

        @Override
        public void onPull() {
          pull(in);
        }

        @Override
        public void onUpstreamFinish() {
          end(null);
          completeStage();
        }

        @Override
        public void onUpstreamFailure(Throwable cause) {
          end(cause);
          failStage(cause);
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          end(cause instanceof SubscriptionWithCancelException.NonFailureCancellation ? null : cause);
          cancelStage(cause);
        }
      });
    }

    private void end(Throwable failure) {
      if (!ended) {
        ended = true;
        listener.ended(failure);
      }
    }

    @Override
    public void postStop() {
      end(new AbruptStageTerminationException(this)); // the stream was torn down around it
    }
  }
}
