package io.weft.streams.tls;

import io.weft.streams.tcp.EventLoop;
import io.weft.streams.tcp.TurnBatch;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * TLS as a stage in the connection's own graph: an {@link SSLEngine} driven where the bytes are,
 * rather than in an actor of its own as Pekko's TLS is, so a record costs no hop between threads.
 * Top: plaintext in, records out; bottom: records in, plaintext out. {@code established} learns
 * the session before the first plaintext byte is passed on. Closing is per direction, as TLS 1.3
 * allows: the end of the plaintext sends close_notify and the end of the records (or the peer's
 * close_notify) ends the plaintext out, so a half-closed connection stays half-open through TLS. A
 * TLS failure sends the engine's alert to the peer, then fails the plaintext side with it.
 *
 * <p>On an event loop, the first plaintext of a turn is wrapped at once and what else comes in the
 * same turn (an HTTP/2 connection's answers to several streams, a body's frames) is collected and
 * wrapped after it in as few records as fit: a record costs a cipher initialisation, a tag and a
 * header on both ends, whatever it carries.
 *
 * <p>A connection holds no buffers of its own between its turns, only the part of a record that
 * has not fully arrived: the engine reads and writes the {@link Scratch} buffers of the thread it
 * runs on, which every TLS stage there shares (each empties them before it returns). Three record
 * sized buffers per connection would be ~50 KiB each of a proxy's thousands of connections.
 */
public final class TlsStage extends GraphStage<BidiShape<ByteString, ByteString, ByteString, ByteString>> {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
  /**
   * Plaintext collected in a turn before the stage takes no more until it is wrapped: what one
   * record holds at most (2^14 octets, RFC 8446 §5.1).
   */
  private static final int COLLECT_LIMIT = 16_384;
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final Inlet<ByteString> plainIn = Inlet.create("Tls.plainIn");
  private final Outlet<ByteString> cipherOut = Outlet.create("Tls.cipherOut");
  private final Inlet<ByteString> cipherIn = Inlet.create("Tls.cipherIn");
  private final Outlet<ByteString> plainOut = Outlet.create("Tls.plainOut");
  private final BidiShape<ByteString, ByteString, ByteString, ByteString> shape = BidiShape.of(plainIn, cipherOut, cipherIn, plainOut);
  private final Supplier<SSLEngine> engines;
  private final Consumer<SSLSession> established;

  private TlsStage(Supplier<SSLEngine> engines, Consumer<SSLSession> established) {
    this.engines = engines;
    this.established = established;
  }

  /** A TLS session on a connection, with an engine from {@code engines} (client or server mode already set). */
  public static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> create(Supplier<SSLEngine> engines,
                                                                                     Consumer<SSLSession> established) {
    return BidiFlow.fromGraph(new TlsStage(engines, established));
  }

  @Override
  public BidiShape<ByteString, ByteString, ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new Logic();
  }

  private final class Logic extends GraphStageLogic {
    private SSLEngine engine;
    /** Records received and not yet unwrapped: what is left of one that has not fully arrived, and what came since. */
    private ByteString received = ByteString.emptyByteString();
    // The thread's scratch buffers while the stage runs the engine (bound by bind(), emptied before it returns):
    private Scratch scratch;
    /** Records received, being unwrapped. */
    private ByteBuffer netIn;
    /** Records wrapped and not yet passed on, being written. */
    private ByteBuffer netOut;
    /** Plaintext unwrapped and not yet queued, being written. */
    private ByteBuffer appOut;
    private ByteBuffer plaintext;
    private final ArrayDeque<ByteString> records = new ArrayDeque<>();
    private final ArrayDeque<ByteString> plain = new ArrayDeque<>();
    private int packetSize;
    private int applicationSize;
    private boolean sessionKnown;
    /** The handshake finished in this run of the engine: {@code established} is yet to hear of it. */
    private boolean justEstablished;
    private boolean closeSent;
    private boolean inboundDone;
    /** On an event loop: the plaintext that came in a turn after its first, wrapped after the turn. Else null. */
    private TurnBatch collected;
    private final AsyncCallback<Done> wrapCollected = createAsyncCallback(done -> wrapCollected());

    Logic() {
      super(shape);
      setHandler(plainIn, new AbstractInHandler() {
        @Override
        public void onPush() {
          ByteString bytes = grab(plainIn);
          if (collected != null && sessionKnown && (collected.turnAwaited() || !collected.isEmpty())) {
            collect(bytes);
            return;
          }
          startTurn();
          plaintext = bytes.asByteBuffer();
          pump();
        }

        @Override
        public void onUpstreamFinish() {
          takeCollected();
          pump();
        }
      });
      setHandler(cipherIn, new AbstractInHandler() {
        @Override
        public void onPush() {
          received = received.concat(grab(cipherIn));
          pump();
        }

        @Override
        public void onUpstreamFinish() {
          if (!inboundDone) {
            if (!sessionKnown) {
              bind();
              refuse(new SSLHandshakeException("the peer closed the connection during the TLS handshake"));
              return;
            }
            // The peer went without close_notify: what it sent is all there is.
            inboundDone = true;
          }
          pump();
        }
      });
      setHandler(cipherOut, new AbstractOutHandler() {
        @Override
        public void onPull() {
          pump();
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          // Nothing more can be sent: the plaintext to send is not wanted either.
          cancel(plainIn, cause);
          closeSent = true;
          pump();
        }
      });
      setHandler(plainOut, new AbstractOutHandler() {
        @Override
        public void onPull() {
          pump();
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          plain.clear();
          inboundDone = true;
          cancel(cipherIn, cause);
          pump();
        }
      });
    }

    @Override
    public void preStart() {
      EventLoop loop = EventLoop.ofThisThread();
      if (loop != null) {
        collected = new TurnBatch(loop, this::turnEnded);
      }
      engine = engines.get();
      sizes(engine.getSession());
      try {
        engine.beginHandshake();
      } catch (SSLException e) {
        bind();
        refuse(e);
        return;
      }
      pump();
    }

    /** Once plaintext is wrapped on a loop, the rest of the turn's is collected until the turn ends. */
    private void startTurn() {
      if (collected != null && sessionKnown) {
        collected.awaitTurnEnd();
      }
    }

    private void collect(ByteString bytes) {
      collected.add(bytes);
      if (collected.bytes() < COLLECT_LIMIT) {
        pull(plainIn);
      }
    }

    /** After the loop's turn, outside the graph: the collected plaintext is wrapped in the graph's next run. */
    private void turnEnded() {
      if (!collected.isEmpty()) {
        wrapCollected.invoke(Done.done());
      }
    }

    private void wrapCollected() {
      if (takeCollected()) {
        startTurn();
        pump();
      }
    }

    /** Makes the collected plaintext the next to wrap (nothing else is pending while some is collected). */
    private boolean takeCollected() {
      if (collected == null || collected.isEmpty()) {
        return false;
      }
      plaintext = collected.drain().asByteBuffer();
      return true;
    }

    /** The most one record takes, ciphered and plain (read once per session, not per record). */
    private void sizes(SSLSession session) {
      packetSize = session.getPacketBufferSize();
      applicationSize = session.getApplicationBufferSize();
    }

    /** Takes this thread's scratch buffers: the records received to read, empty ones to write. */
    private void bind() {
      scratch = SCRATCH.get();
      netIn = scratch.netIn(received);
      received = ByteString.emptyByteString();
      netOut = scratch.netOut(packetSize);
      appOut = scratch.appOut(applicationSize);
    }

    /** Runs the engine as far as the bytes in hand take it, then passes on what it made. */
    private void pump() {
      bind();
      try {
        boolean progress = true;
        while (progress) {
          progress = switch (engine.getHandshakeStatus()) {
            case NEED_TASK -> runTasks();
            case NEED_WRAP -> wrap(EMPTY);
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> unwrap();
            default -> exchange();
          };
        }
      } catch (SSLException e) {
        refuse(e);
        return;
      }
      if (netIn.hasRemaining() && !inboundDone) {
        received = ByteString.fromByteBuffer(netIn); // the start of a record, kept until the rest comes
      }
      queueRecords();
      queuePlain();
      if (justEstablished) {
        // Told only now that the thread's buffers are empty: whatever it runs cannot see them half written.
        justEstablished = false;
        established.accept(engine.getSession());
      }
      flush();
    }

    private boolean runTasks() {
      Runnable task;
      while ((task = engine.getDelegatedTask()) != null) {
        task.run();
      }
      return true;
    }

    /** Application data both ways once the handshake is over; closes the sending side when asked. */
    private boolean exchange() throws SSLException {
      boolean progress = false;
      if (netIn.hasRemaining() && !inboundDone) {
        progress = unwrap();
      }
      if (plaintext != null && sessionKnown && !closeSent) {
        progress |= wrap(plaintext);
        if (!plaintext.hasRemaining()) {
          plaintext = null;
        }
      }
      if (plaintext == null && isClosed(plainIn) && !closeSent) {
        engine.closeOutbound();
        closeSent = true;
        progress = true;
      }
      return progress;
    }

    private boolean wrap(ByteBuffer source) throws SSLException {
      if (netOut.remaining() < packetSize) {
        queueRecords();
        netOut = scratch.netOut(packetSize); // the session's records may be larger than the handshake's
      }
      SSLEngineResult result = engine.wrap(source, netOut);
      finishedIf(result);
      return switch (result.getStatus()) {
        case OK -> result.bytesConsumed() > 0 || result.bytesProduced() > 0;
        case CLOSED -> result.bytesProduced() > 0;
        default -> throw new SSLException("cannot wrap: " + result);
      };
    }

    private boolean unwrap() throws SSLException {
      if (inboundDone) {
        return false;
      }
      if (appOut.remaining() < applicationSize) {
        queuePlain();
        appOut = scratch.appOut(applicationSize);
      }
      SSLEngineResult result = engine.unwrap(netIn, appOut);
      finishedIf(result);
      return switch (result.getStatus()) {
        case OK -> result.bytesConsumed() > 0 || result.bytesProduced() > 0;
        case BUFFER_UNDERFLOW -> false;
        case CLOSED -> {
          inboundDone = true;
          yield true;
        }
        case BUFFER_OVERFLOW -> throw new SSLException("cannot unwrap: " + result);
      };
    }

    private void finishedIf(SSLEngineResult result) {
      if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED && !sessionKnown) {
        sessionKnown = true;
        justEstablished = true;
        sizes(engine.getSession());
      }
    }

    private void queueRecords() {
      if (netOut.position() > 0) {
        records.add(ByteString.fromByteBuffer(netOut.flip()));
        netOut.clear();
      }
    }

    private void queuePlain() {
      if (appOut.position() > 0) {
        plain.add(ByteString.fromByteBuffer(appOut.flip()));
        appOut.clear();
      }
    }

    /** Passes on what is ready, asks for what is needed, and ends each side that is over. */
    private void flush() {
      queueRecords();
      queuePlain();
      if (isAvailable(cipherOut) && !records.isEmpty()) {
        push(cipherOut, records.size() == 1 ? records.poll() : TurnBatch.drain(records));
      }
      if (sessionKnown && isAvailable(plainOut) && !plain.isEmpty()) {
        push(plainOut, plain.size() == 1 ? plain.poll() : TurnBatch.drain(plain));
      }
      if (engine.isOutboundDone() && records.isEmpty() && !isClosed(cipherOut)) {
        complete(cipherOut);
        cancel(plainIn);
      }
      if (inboundDone && plain.isEmpty() && !isClosed(plainOut)) {
        complete(plainOut);
        cancel(cipherIn);
      }
      if (plaintext == null && (collected == null || collected.bytes() < COLLECT_LIMIT) && !closeSent && !isClosed(plainIn) && !hasBeenPulled(plainIn)) {
        pull(plainIn);
      }
      boolean handshaking = !sessionKnown;
      if (!inboundDone && !isClosed(cipherIn) && !hasBeenPulled(cipherIn) && (handshaking || plain.isEmpty())) {
        pull(cipherIn);
      }
    }

    /** Sends the engine's alert, if it has one, then fails the plaintext side with {@code error}. */
    private void refuse(SSLException error) {
      try {
        engine.closeOutbound();
        queueRecords();
        netOut.clear();
        while (!engine.isOutboundDone() && engine.wrap(EMPTY, netOut).bytesProduced() > 0) {
          queueRecords();
        }
      } catch (SSLException | RuntimeException alsoFailed) {
        // no alert to send
      }
      queueRecords();
      cancel(plainIn, error);
      cancel(cipherIn, error);
      fail(plainOut, error);
      if (records.isEmpty()) {
        complete(cipherOut);
      } else {
        emitMultiple(cipherOut, java.util.List.copyOf(records).iterator(), () -> complete(cipherOut));
        records.clear();
      }
    }
  }

  /** One thread's buffers for the engine, as large as the largest record seen there. */
  private static final class Scratch {
    private ByteBuffer netIn = ByteBuffer.allocate(0);
    private ByteBuffer netOut = ByteBuffer.allocate(0);
    private ByteBuffer appOut = ByteBuffer.allocate(0);

    /** {@code received} copied in, ready to read. */
    ByteBuffer netIn(ByteString received) {
      if (netIn.capacity() < received.size()) {
        netIn = ByteBuffer.allocate(received.size());
      }
      netIn.clear();
      received.copyToBuffer(netIn);
      return netIn.flip();
    }

    /** Empty, with room for at least {@code size} bytes. */
    ByteBuffer netOut(int size) {
      netOut = emptied(netOut, size);
      return netOut;
    }

    ByteBuffer appOut(int size) {
      appOut = emptied(appOut, size);
      return appOut;
    }

    private static ByteBuffer emptied(ByteBuffer buffer, int size) {
      return buffer.capacity() < size ? ByteBuffer.allocate(size) : buffer.clear();
    }
  }
}
