package io.weft.streams.detect;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.InHandler;
import org.apache.pekko.stream.stage.OutHandler;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Keeps protocol detection from stalling a protocol whose server speaks first (MySQL, SMTP, NATS),
 * Linkerd's most-reported detection problem: a client of one sends nothing until it has the
 * server's greeting, so waiting for the client's first bytes waits out the whole detect timeout.
 * When the client has said nothing for {@code quietFor}, this connects upstream as an opaque relay
 * while it keeps waiting. If the server speaks first, the connection is that relay from then on,
 * at once. If the client speaks first, the early connection is closed unused and the connection
 * is detected as usual ({@code detect}).
 */
public final class ServerFirstProbe extends GraphStage<FlowShape<ByteString, ByteString>> {
  private static final String QUIET = "quiet";

  private final Duration quietFor;
  private final Supplier<Flow<ByteString, ByteString, ?>> opaque;
  private final Flow<ByteString, ByteString, ?> detect;
  private final Runnable onServerFirst;
  private final Inlet<ByteString> in = Inlet.create("ServerFirstProbe.in");
  private final Outlet<ByteString> out = Outlet.create("ServerFirstProbe.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);

  /**
   * {@code opaque}: a relay to where the connection was going; {@code detect}: the connection's
   * usual flow; {@code onServerFirst}: told when the server spoke first (the connection is opaque).
   */
  public ServerFirstProbe(Duration quietFor, Supplier<Flow<ByteString, ByteString, ?>> opaque, Flow<ByteString, ByteString, ?> detect,
                          Runnable onServerFirst) {
    this.quietFor = quietFor;
    this.opaque = opaque;
    this.detect = detect;
    this.onServerFirst = onServerFirst;
  }

  /** {@code detect}, probed for a server that speaks first once the client has been quiet for {@code quietFor}. */
  public static Flow<ByteString, ByteString, NotUsed> around(Flow<ByteString, ByteString, ?> detect, Duration quietFor,
                                                             Supplier<Flow<ByteString, ByteString, ?>> opaque,
                                                             Runnable onServerFirst) {
    return Flow.fromGraph(new ServerFirstProbe(quietFor, opaque, detect, onServerFirst));
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new TimerGraphStageLogic(shape) {
      /** The flow the connection is attached to: the early relay while probing, then whichever won. */
      private SubSourceOutlet<ByteString> toFlow;
      private SubSinkInlet<ByteString> fromFlow;
      /** The client's first bytes, held while the flow they go to is being attached. */
      private ByteString held;
      private boolean probing;

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            ByteString first = grab(in);
            cancelTimer(QUIET);
            if (probing) {
              closeProbe(); // the client spoke first: the early relay goes unused
            }
            attach(detect, first);
          }

          @Override
          public void onUpstreamFinish() {
            completeStage();
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            // Nothing to give before a flow is attached; the attached flow's handler takes over.
          }
        });
      }

      @Override
      public void preStart() {
        pull(in);
        scheduleOnce(QUIET, quietFor);
      }

      @Override
      public void onTimer(Object key) {
        probing = true;
        toFlow = new SubSourceOutlet<>("ServerFirstProbe.toUpstream");
        fromFlow = new SubSinkInlet<>("ServerFirstProbe.fromUpstream");
        toFlow.setHandler(new OutHandler() {
          @Override
          public void onPull() {
            // Client bytes go upstream only once the server has spoken (then the relay handlers take over).
          }

          @Override
          public void onDownstreamFinish(Throwable cause) {
            if (probing) {
              abandonProbe();
            }
          }
        });
        fromFlow.setHandler(new InHandler() {
          @Override
          public void onPush() {
            // The server spoke first: this is an opaque connection.
            probing = false;
            onServerFirst.run();
            relay(toFlow, fromFlow, fromFlow.grab());
          }

          @Override
          public void onUpstreamFinish() {
            if (probing) {
              abandonProbe();
            }
          }

          @Override
          public void onUpstreamFailure(Throwable error) {
            if (probing) {
              abandonProbe();
            }
          }
        });
        Source.fromGraph(toFlow.source()).via(opaque.get()).runWith(fromFlow.sink(), subFusingMaterializer());
        fromFlow.pull();
      }

      /**
       * The early relay ended before either side spoke (refused, closed): the connection is
       * detected as usual, waiting for the client up to the detect timeout.
       */
      private void abandonProbe() {
        closeProbe();
        attach(detect, null);
      }

      private void closeProbe() {
        probing = false;
        if (!toFlow.isClosed()) {
          toFlow.complete();
        }
        if (!fromFlow.isClosed()) {
          fromFlow.cancel();
        }
      }

      @Override
      public void postStop() {
        if (probing) {
          closeProbe();
        }
      }

      /** Runs {@code flow} for the rest of the connection, {@code first} the client's bytes so far. */
      private void attach(Flow<ByteString, ByteString, ?> flow, ByteString first) {
        SubSourceOutlet<ByteString> to = new SubSourceOutlet<>("ServerFirstProbe.toDetected");
        SubSinkInlet<ByteString> from = new SubSinkInlet<>("ServerFirstProbe.fromDetected");
        held = first;
        relay(to, from, null);
        Source.fromGraph(to.source()).via(flow).runWith(from.sink(), subFusingMaterializer());
      }

      /**
       * Joins the connection to a flow's two sides: client bytes into {@code to}, its output out to
       * the client; {@code firstOut} is output already taken from it (the server's greeting).
       */
      private void relay(SubSourceOutlet<ByteString> to, SubSinkInlet<ByteString> from, ByteString firstOut) {
        to.setHandler(new OutHandler() {
          @Override
          public void onPull() {
            if (held != null) {
              ByteString bytes = held;
              held = null;
              to.push(bytes);
              if (isClosed(in)) {
                to.complete();
              }
            } else if (isClosed(in)) {
              to.complete();
            } else if (!hasBeenPulled(in)) {
              pull(in);
            }
          }

          @Override
          public void onDownstreamFinish(Throwable cause) {
            cancel(in, cause);
          }
        });
        from.setHandler(new InHandler() {
          @Override
          public void onPush() {
            push(out, from.grab());
          }

          @Override
          public void onUpstreamFinish() {
            complete(out);
          }

          @Override
          public void onUpstreamFailure(Throwable error) {
            fail(out, error);
          }
        });
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            ByteString bytes = grab(in);
            if (to.isAvailable()) {
              to.push(bytes);
            } else {
              held = bytes; // the client spoke before the relay asked (it was pulled while probing)
            }
          }

          @Override
          public void onUpstreamFinish() {
            if (held == null) {
              to.complete();
            }
          }

          @Override
          public void onUpstreamFailure(Throwable error) {
            to.fail(error);
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            from.pull();
          }

          @Override
          public void onDownstreamFinish(Throwable cause) {
            from.cancel(cause);
          }
        });
        if (firstOut != null) {
          emit(out, firstOut, () -> { });
        } else if (isAvailable(out)) {
          from.pull();
        }
      }
    };
  }
}
