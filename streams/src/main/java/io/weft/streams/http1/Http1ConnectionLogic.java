package io.weft.streams.http1;

import io.weft.streams.http.Bodies;
import io.weft.streams.http.Body;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.Shape;
import org.apache.pekko.stream.SubscriptionWithCancelException;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * What both ends of an HTTP/1 connection do with its bytes: read messages (a head, which the
 * subclass parses, then a body framed as the head says, either in hand at once or streamed to
 * whoever reads it, with backpressure to the socket) and write messages (a head, then a body in
 * hand or streamed, chunk-encoded when its length is unknown). A server reads requests and writes
 * responses; a client the other way round.
 */
abstract class Http1ConnectionLogic extends TimerGraphStageLogic {
  private static final ByteString EMPTY = ByteString.emptyByteString();
  /** A body up to this size is copied behind its head rather than chained to it. */
  private static final int JOIN_AT_MOST = 16 * 1024;

  protected final Inlet<ByteString> in;
  protected final Outlet<ByteString> out;
  protected final Http1Limits limits;
  /** The status a malformed body is refused with: 400 from a client, 502 from a server. */
  private final int malformed;
  protected ByteString buffer = EMPTY;
  protected boolean inputClosed;

  // Reading a body: its framing while it is being read, null otherwise.
  private Framing reading;
  private long readRemaining;
  private ChunkedDecoder chunks;
  private SubSourceOutlet<ByteString> bodyOut;
  private boolean discarding;
  /** A tunnel's bytes flow only once the upgrade was accepted (101). */
  private boolean tunnelOpen;

  // Writing.
  private ByteString pending = EMPTY;
  private SubSinkInlet<ByteString> bodyIn;
  private boolean chunkedOut;
  private boolean closeWhenFlushed;

  Http1ConnectionLogic(Shape shape, Inlet<ByteString> in, Outlet<ByteString> out, Http1Limits limits, int malformed) {
    super(shape);
    this.in = in;
    this.out = out;
    this.limits = limits;
    this.malformed = malformed;
    setHandler(in, new AbstractInHandler() {
      @Override
      public void onPush() {
        ByteString bytes = grab(in);
        buffer = buffer.isEmpty() ? bytes : buffer.concat(bytes);
        if (reading != null) {
          feedBody();
        } else {
          onHeadBytes();
        }
      }

      @Override
      public void onUpstreamFinish() {
        inputClosed = true;
        if (reading != null) {
          // What is buffered is read first: it may end the body; if it does not, the body was cut short.
          feedBody();
        } else {
          inputFinished();
        }
      }

      @Override
      public void onUpstreamFailure(Throwable cause) {
        inputClosed = true;
        if (reading != null) {
          failBody(cause);
        }
        inputFailed(cause);
      }
    });
    setHandler(out, new AbstractOutHandler() {
      @Override
      public void onPull() {
        if (!pending.isEmpty()) {
          ByteString bytes = pending;
          pending = EMPTY;
          push(out, bytes);
          if (closeWhenFlushed) {
            completeStage();
          }
        } else if (bodyIn != null && !bodyIn.hasBeenPulled() && !bodyIn.isClosed()) {
          bodyIn.pull();
        }
      }

      @Override
      public void onDownstreamFinish(Throwable cause) {
        // The socket side stopped taking bytes; TLS says why here (a refused handshake), not on the way in.
        outputClosed(cause instanceof SubscriptionWithCancelException.NonFailureCancellation ? null : cause);
      }
    });
  }

  /** The connection stopped taking bytes: {@code cause} when it failed (null when it closed). */
  void outputClosed(Throwable cause) {
    completeStage();
  }

  /** New bytes while no body is being read: the subclass parses a head from {@link #buffer}, or waits. */
  abstract void onHeadBytes();

  /** The body being read has ended (all of it read, or the reader stopped and it was skipped). */
  abstract void bodyRead();

  /** The peer closed its side while no body was being read. */
  abstract void inputFinished();

  /** The connection failed (it could not be made, or it broke). */
  abstract void inputFailed(Throwable cause);

  /** A message has been handed to the socket whole (head and body). */
  abstract void messageWritten();

  /** The body being written failed before its end: the message cannot be finished on this connection. */
  abstract void bodyWriteFailed(Throwable cause);

  /** A streamed body's reader wants its first bytes (the server answers Expect: 100-continue then). */
  void bodyDemanded() {}

  protected final void pullIn() {
    if (!hasBeenPulled(in) && !isClosed(in)) {
      pull(in);
    }
  }

  protected final boolean readingBody() {
    return reading != null;
  }

  // ---- reading

  /**
   * The body that follows the head just consumed from the buffer: in hand when all of it is already
   * buffered, otherwise a stream fed from the socket as its reader asks for more.
   */
  protected final Body startBody(Framing framing) {
    switch (framing.kind()) {
      case NONE -> {
        return Body.EMPTY;
      }
      case LENGTH -> {
        if (buffer.size() >= framing.length()) {
          ByteString bytes = buffer.take((int) framing.length());
          buffer = buffer.drop((int) framing.length());
          return Body.of(bytes);
        }
        readRemaining = framing.length();
      }
      case CHUNKED -> {
        Body whole = chunkedInHand();
        if (whole != null) {
          return whole;
        }
        chunks = new ChunkedDecoder(limits.maxHeadBytes(), malformed);
      }
      case TUNNEL -> tunnelOpen = false;
      case UNTIL_CLOSE -> { }
    }
    reading = framing;
    discarding = false;
    bodyOut = new SubSourceOutlet<>("http1-body");
    SubSourceOutlet<ByteString> outlet = bodyOut;
    bodyOut.setHandler(new AbstractOutHandler() {
      private boolean demanded;

      @Override
      public void onPull() {
        if (!demanded) {
          demanded = true;
          bodyDemanded();
        }
        feedBody();
      }

      @Override
      public void onDownstreamFinish(Throwable cause) {
        if (outlet == bodyOut) {
          discarding = true;
          feedBody();
        }
      }
    });
    Source<ByteString, NotUsed> bytes = Source.fromGraph(bodyOut.source());
    return framing.kind() == Framing.Kind.TUNNEL ? new Body.Tunnel(bytes)
        : new Body.Streamed(bytes, framing.kind() == Framing.Kind.LENGTH ? framing.length() : -1);
  }

  /** A chunked body whose every chunk is already buffered, consumed from the buffer; null (buffer untouched) if not. */
  private Body chunkedInHand() {
    ChunkedDecoder decoder = new ChunkedDecoder(limits.maxHeadBytes(), malformed);
    ByteString rest = buffer;
    ByteString data = EMPTY;
    while (!decoder.done()) {
      int used = decoder.decode(rest);
      if (used == 0) {
        return null;
      }
      if (!decoder.data().isEmpty()) {
        data = data.concat(decoder.data());
      }
      rest = rest.drop(used);
    }
    buffer = rest;
    return Body.of(data);
  }

  /** Starts the bytes of an accepted upgrade flowing into the tunnel. */
  protected final void openTunnel() {
    tunnelOpen = true;
    feedBody();
  }

  /** The upgrade was refused: the tunnel ends empty and the connection reads messages again. */
  protected final void closeTunnel() {
    if (reading != null && reading.kind() == Framing.Kind.TUNNEL) {
      SubSourceOutlet<ByteString> outlet = bodyOut;
      reading = null;
      bodyOut = null;
      outlet.complete();
    }
  }

  private void feedBody() {
    if (reading.kind() == Framing.Kind.TUNNEL && !tunnelOpen) {
      return;
    }
    while (reading != null && (discarding || bodyOut.isAvailable())) {
      ByteString piece = nextPiece();
      if (reading == null) {
        return; // the body failed
      }
      boolean done = switch (reading.kind()) {
        case LENGTH -> readRemaining == 0;
        case CHUNKED -> chunks.done();
        default -> inputClosed && buffer.isEmpty();
      };
      if (!piece.isEmpty() && !discarding) {
        bodyOut.push(piece);
      }
      if (done) {
        finishBody();
        return;
      }
      if (piece.isEmpty()) {
        if (inputClosed) {
          failBody(new MalformedHttpException(malformed, "connection closed in the middle of a body"));
        } else {
          pullIn();
        }
        return;
      }
    }
  }

  /** The next bytes of the body from the buffer (empty when more must arrive first). */
  private ByteString nextPiece() {
    switch (reading.kind()) {
      case LENGTH -> {
        int n = (int) Math.min(readRemaining, buffer.size());
        ByteString piece = buffer.take(n);
        buffer = buffer.drop(n);
        readRemaining -= n;
        return piece;
      }
      case CHUNKED -> {
        try {
          while (!chunks.done()) {
            int used = chunks.decode(buffer);
            if (used == 0) {
              return EMPTY;
            }
            buffer = buffer.drop(used);
            if (!chunks.data().isEmpty()) {
              return chunks.data();
            }
          }
          return EMPTY;
        } catch (MalformedHttpException e) {
          failBody(e);
          return EMPTY;
        }
      }
      default -> {
        ByteString piece = buffer;
        buffer = EMPTY;
        return piece;
      }
    }
  }

  private void finishBody() {
    SubSourceOutlet<ByteString> outlet = bodyOut;
    reading = null;
    bodyOut = null;
    if (!outlet.isClosed()) {
      outlet.complete();
    }
    bodyRead();
  }

  private void failBody(Throwable cause) {
    SubSourceOutlet<ByteString> outlet = bodyOut;
    reading = null;
    bodyOut = null;
    if (outlet != null && !outlet.isClosed()) {
      outlet.fail(cause);
    }
    bodyFailed(cause);
  }

  /** The body being read broke (malformed, or the connection ended before it did): the connection is done. */
  void bodyFailed(Throwable cause) {
    completeStage();
  }

  // ---- writing

  protected final void write(ByteString bytes) {
    if (pending.isEmpty() && isAvailable(out)) {
      push(out, bytes);
    } else {
      pending = pending.isEmpty() ? bytes : pending.concat(bytes);
    }
  }

  /**
   * Writes a message: {@code head}, then {@code body} as {@code framing} says (chunk-encoded for
   * CHUNKED, as it is otherwise); {@link #messageWritten()} follows once all of it is handed over.
   */
  protected final void writeMessage(ByteString head, Body body, Framing framing) {
    switch (body) {
      case Body.Empty e -> {
        write(head);
        messageWritten();
      }
      case Body.Strict s -> {
        write(framing.kind() == Framing.Kind.CHUNKED
            ? head.concat(Http1Renderer.chunk(s.bytes())).concat(Http1Renderer.LAST_CHUNK) : joined(head, s.bytes()));
        messageWritten();
      }
      case Body.Streamed s -> streamBody(head, s.bytes(), framing);
      case Body.Tunnel t -> streamBody(head, t.bytes(), framing);
    }
  }

  /**
   * A head and a small body as one array: cheaper than {@code concat}'s two-part {@code ByteString}
   * (a Scala vector per message) that TLS and the socket would copy into one buffer anyway.
   */
  private static ByteString joined(ByteString head, ByteString body) {
    if (body.size() > JOIN_AT_MOST) {
      return head.concat(body);
    }
    byte[] both = new byte[head.size() + body.size()];
    head.copyToArray(both, 0, head.size());
    body.copyToArray(both, head.size(), body.size());
    return ByteString.fromArrayUnsafe(both);
  }

  private void streamBody(ByteString head, Source<ByteString, ?> source, Framing framing) {
    write(head);
    chunkedOut = framing.kind() == Framing.Kind.CHUNKED;
    bodyIn = new SubSinkInlet<>("http1-body-out");
    SubSinkInlet<ByteString> inlet = bodyIn;
    bodyIn.setHandler(new AbstractInHandler() {
      @Override
      public void onPush() {
        ByteString data = inlet.grab();
        if (!data.isEmpty()) {
          write(chunkedOut ? Http1Renderer.chunk(data) : data);
        }
        if (isAvailable(out) && pending.isEmpty()) {
          inlet.pull();
        }
      }

      @Override
      public void onUpstreamFinish() {
        if (chunkedOut) {
          write(Http1Renderer.LAST_CHUNK);
        }
        bodyIn = null;
        messageWritten();
      }

      @Override
      public void onUpstreamFailure(Throwable cause) {
        bodyIn = null;
        bodyWriteFailed(cause);
      }
    });
    source.runWith(bodyIn.sink(), subFusingMaterializer());
    if (isAvailable(out) && pending.isEmpty()) {
      bodyIn.pull();
    }
  }

  /** Skips a body this side will not send (the answer to HEAD carries none). */
  protected final void discard(Body body) {
    Bodies.discard(body, subFusingMaterializer());
  }

  /** Ends the connection once what is written has been handed to the socket. */
  protected final void closeWhenFlushed() {
    if (pending.isEmpty()) {
      completeStage();
    } else {
      closeWhenFlushed = true;
    }
  }

  @Override
  public void postStop() {
    if (bodyOut != null && !bodyOut.isClosed()) {
      bodyOut.fail(new IllegalStateException("the HTTP/1 connection closed in the middle of a body"));
    }
    if (bodyIn != null && !bodyIn.isClosed()) {
      bodyIn.cancel();
    }
  }
}
