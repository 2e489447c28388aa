package io.weft.streams.http2;

import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.Message;
import io.weft.streams.http.Trailers;
import io.weft.streams.http1.ConnectionClosedException;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.Shape;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * What both ends of an HTTP/2 connection do (RFC 9113): read frames, decode header blocks, keep
 * every stream's state and both directions' flow-control windows, hand each message's body to its
 * reader as the reader asks (giving the window back only then, so a slow reader slows its peer and
 * nothing piles up), and write messages as the peer's windows allow. A server's streams start with
 * the peer's requests; a client's with its own — the subclasses say what a message means.
 *
 * <p>All of a read's frames are handled before any message is handed over, so a request or
 * response whose body came whole in that read is handed over with its body in hand.
 */
abstract class Http2Connection extends TimerGraphStageLogic {
  private static final ByteString EMPTY = ByteString.emptyByteString();
  private static final String PING_TICK = "ping";
  private static final String PING_TIMEOUT = "ping-timeout";

  static final String CONTENT_LENGTH = "content-length";
  /** The dynamic table size this end decodes with: HTTP/2's default, which it never changes. */
  private static final int HEADER_TABLE_SIZE = 4096;

  protected final Inlet<ByteString> in;
  protected final Outlet<ByteString> out;
  protected final Http2Settings settings;
  private final HpackDecoder decoder;
  private final Octets blockIn = new Octets();
  private final Octets blockOut = new Octets();
  private final HpackEncoder encoder = new HpackEncoder();
  private final FieldList fields = new FieldList();
  private ByteStringBuilder output = new ByteStringBuilder();
  private ByteString buffer = EMPTY;
  /** A server first reads the client's preface. */
  private boolean prefacePending;
  private boolean settingsSeen;
  private int blockStream;
  private int blockFlags;
  private boolean collectingBlock;

  protected final Map<Integer, Http2Stream> streams = new HashMap<>();
  /** Streams open in the protocol's sense (neither closed nor reset): what the concurrency limits count. */
  protected int openStreams;
  private final ArrayList<Http2Stream> completedHeads = new ArrayList<>();
  /** Streams with data to send that wait for the connection's window or for the socket to take output. */
  private final ArrayDeque<Http2Stream> waiting = new ArrayDeque<>();

  private long sendWindow = Frames.DEFAULT_WINDOW;
  /** What the peer may still send on the connection before this end gives window back. */
  private long receiveWindow;
  private int connectionUnacknowledged;
  protected int peerInitialWindow = Frames.DEFAULT_WINDOW;
  protected int peerMaxFrame = Frames.DEFAULT_MAX_FRAME;
  protected long peerMaxConcurrent = Long.MAX_VALUE;

  /** GOAWAY sent or received: no new streams. */
  protected boolean goingAway;
  private boolean closeWhenFlushed;
  private boolean readSinceTick;
  private boolean pingOutstanding;

  Http2Connection(Shape shape, Inlet<ByteString> in, Outlet<ByteString> out, Http2Settings settings, boolean server) {
    super(shape);
    this.in = in;
    this.out = out;
    this.settings = settings;
    this.decoder = new HpackDecoder(HEADER_TABLE_SIZE);
    this.receiveWindow = settings.connectionWindow();
    this.prefacePending = server;
    setHandler(in, new AbstractInHandler() {
      @Override
      public void onPush() {
        ByteString bytes = grab(in);
        // One array to read frames from (a rope's every byte lookup walks its parts); a copy only when there is a rope.
        buffer = (buffer.isEmpty() ? bytes : buffer.concat(bytes)).compact();
        readSinceTick = true;
        readFrames();
        handOverHeads();
        flush();
        pullIn();
      }

      @Override
      public void onUpstreamFinish() {
        connectionLost(new ConnectionClosedException("the HTTP/2 connection closed", true, null));
      }

      @Override
      public void onUpstreamFailure(Throwable cause) {
        connectionLost(new ConnectionClosedException("the HTTP/2 connection failed: " + cause.getMessage(), true, cause));
      }
    });
    setHandler(out, new AbstractOutHandler() {
      @Override
      public void onPull() {
        flush();
        resumeWaiting();
        flush();
        pullIn();
      }

      @Override
      public void onDownstreamFinish(Throwable cause) {
        connectionLost(new ConnectionClosedException("the HTTP/2 connection stopped taking output", true, cause));
      }
    });
  }

  @Override
  public void preStart() {
    writeOwnSettings();
    settings.pingInterval().ifPresent(interval -> scheduleAtFixedRate(PING_TICK, interval, interval));
    flush();
    pullIn();
  }

  /** The first bytes this end sends: a client's preface, then its SETTINGS. */
  protected void writeOwnSettings() {
    Frames.settings(output, ownSettings());
    int extra = settings.connectionWindow() - Frames.DEFAULT_WINDOW;
    if (extra > 0) {
      Frames.windowUpdate(output, 0, extra);
    }
  }

  protected abstract int[] ownSettings();

  protected final ByteStringBuilder output() {
    return output;
  }

  // ---- what the subclasses do with the peer's messages

  /**
   * A header block decoded on {@code stream} (null when the peer opens a new one with it):
   * {@code fields} holds it until this returns.
   */
  abstract void headerBlock(int streamId, Http2Stream stream, FieldList fields, boolean endStream);

  /** A message whose head {@link #completeHead} recorded, with its body as it stands at the end of the read. */
  abstract void handOver(Http2Stream stream, Message message);

  /** The stream ended or was reset; {@code cause} null when both sides ended it cleanly. */
  abstract void streamClosed(Http2Stream stream, Throwable cause);

  /** The connection is ending: every stream not yet closed fails with {@code cause}. */
  abstract void connectionEnding(Throwable cause);

  // ---- reading

  private void pullIn() {
    if (!closeWhenFlushed && output.length() < settings.outputHighWater() && !hasBeenPulled(in) && !isClosed(in)) {
      pull(in);
    }
  }

  private void readFrames() {
    int at = 0;
    if (prefacePending) {
      if (buffer.size() < Frames.PREFACE.size()) {
        return;
      }
      if (!buffer.take(Frames.PREFACE.size()).equals(Frames.PREFACE)) {
        connectionError(Frames.PROTOCOL_ERROR, "the client did not begin with HTTP/2's preface");
        return;
      }
      prefacePending = false;
      at = Frames.PREFACE.size();
    }
    int size = buffer.size();
    while (!closeWhenFlushed && size - at >= Frames.HEADER_LENGTH) {
      int length = ((buffer.apply(at) & 0xff) << 16) | ((buffer.apply(at + 1) & 0xff) << 8) | (buffer.apply(at + 2) & 0xff);
      if (length > Frames.DEFAULT_MAX_FRAME) {
        // This end never announces a larger SETTINGS_MAX_FRAME_SIZE.
        connectionError(Frames.FRAME_SIZE_ERROR, "a frame of " + length + " bytes");
        return;
      }
      if (size - at < Frames.HEADER_LENGTH + length) {
        break;
      }
      int type = buffer.apply(at + 3) & 0xff;
      int flags = buffer.apply(at + 4) & 0xff;
      int stream = (((buffer.apply(at + 5) & 0x7f) << 24) | ((buffer.apply(at + 6) & 0xff) << 16)
          | ((buffer.apply(at + 7) & 0xff) << 8) | (buffer.apply(at + 8) & 0xff));
      ByteString payload = buffer.slice(at + Frames.HEADER_LENGTH, at + Frames.HEADER_LENGTH + length);
      at += Frames.HEADER_LENGTH + length;
      frame(type, flags, stream, payload);
    }
    buffer = at == size ? EMPTY : buffer.drop(at);
  }

  private void frame(int type, int flags, int stream, ByteString payload) {
    if (!settingsSeen) {
      if (type != Frames.SETTINGS || (flags & Frames.ACK) != 0) {
        connectionError(Frames.PROTOCOL_ERROR, "the peer's first frame is not SETTINGS");
        return;
      }
      settingsSeen = true;
    }
    if (collectingBlock && (type != Frames.CONTINUATION || stream != blockStream)) {
      connectionError(Frames.PROTOCOL_ERROR, "a header block interrupted by another frame");
      return;
    }
    switch (type) {
      case Frames.DATA -> data(flags, stream, payload);
      case Frames.HEADERS -> headers(flags, stream, payload);
      case Frames.PRIORITY -> {
        if (stream == 0 || payload.size() != 5) {
          connectionError(Frames.PROTOCOL_ERROR, "a malformed PRIORITY frame");
        }
      }
      case Frames.RST_STREAM -> resetByPeer(stream, payload);
      case Frames.SETTINGS -> settingsFrame(flags, stream, payload);
      case Frames.PUSH_PROMISE -> connectionError(Frames.PROTOCOL_ERROR, "PUSH_PROMISE, which this end disabled");
      case Frames.PING -> ping(flags, stream, payload);
      case Frames.GOAWAY -> goaway(stream, payload);
      case Frames.WINDOW_UPDATE -> windowUpdate(stream, payload);
      case Frames.CONTINUATION -> continuation(flags, stream, payload);
      default -> { } // unknown frame types are ignored (§5.5)
    }
  }

  private void data(int flags, int streamId, ByteString payload) {
    ByteString data = streamPayload("DATA", flags, streamId, payload);
    if (data == null) {
      return;
    }
    int counted = payload.size();
    receiveWindow -= counted;
    if (receiveWindow < 0) {
      connectionError(Frames.FLOW_CONTROL_ERROR, "DATA past the connection's window");
      return;
    }
    received(counted);
    Http2Stream stream = streams.get(streamId);
    if (stream == null || stream.closed || stream.remoteEnded) {
      if (stream == null && streamId > highestStreamId()) {
        connectionError(Frames.PROTOCOL_ERROR, "DATA on idle stream " + streamId);
      } else if (stream != null && !stream.closed) {
        resetStream(stream, Frames.STREAM_CLOSED, "DATA after the stream's end");
      }
      return;
    }
    stream.receiveWindow -= counted;
    if (stream.receiveWindow < 0) {
      resetStream(stream, Frames.FLOW_CONTROL_ERROR, "DATA past the stream's window");
      return;
    }
    stream.receivedTotal += data.size();
    consumed(stream, counted - data.size()); // padding is nobody's to read
    if (stream.discarding) {
      consumed(stream, data.size());
    } else if (!data.isEmpty()) {
      stream.received = stream.received.isEmpty() ? data : stream.received.concat(data);
    }
    if ((flags & Frames.END_STREAM) != 0) {
      remoteEnd(stream);
    } else {
      deliver(stream);
    }
  }

  /** The peer ended its message on {@code stream}: malformed when its body is not the length it declared (§8.1.1). */
  private void remoteEnd(Http2Stream stream) {
    if (stream.declaredLength >= 0 && stream.declaredLength != stream.receivedTotal) {
      resetStream(stream, Frames.PROTOCOL_ERROR, "a body of " + stream.receivedTotal + " bytes where content-length said "
          + stream.declaredLength);
      return;
    }
    stream.remoteEnded = true;
    deliver(stream);
  }

  /**
   * A DATA or HEADERS frame's payload without its padding, or null after a connection error (on
   * stream 0, or padding that does not fit).
   */
  private ByteString streamPayload(String type, int flags, int streamId, ByteString payload) {
    if (streamId == 0) {
      connectionError(Frames.PROTOCOL_ERROR, type + " on stream 0");
      return null;
    }
    if ((flags & Frames.PADDED) == 0) {
      return payload;
    }
    if (payload.isEmpty() || (payload.apply(0) & 0xff) >= payload.size()) {
      connectionError(Frames.PROTOCOL_ERROR, "padding longer than its frame");
      return null;
    }
    return payload.slice(1, payload.size() - (payload.apply(0) & 0xff));
  }

  private void headers(int flags, int streamId, ByteString payload) {
    ByteString fragment = streamPayload("HEADERS", flags, streamId, payload);
    if (fragment == null) {
      return;
    }
    if ((flags & Frames.PRIORITY_FLAG) != 0) {
      if (fragment.size() < 5) {
        connectionError(Frames.PROTOCOL_ERROR, "HEADERS too short for its priority");
        return;
      }
      fragment = fragment.drop(5);
    }
    blockIn.reset();
    append(fragment);
    blockStream = streamId;
    blockFlags = flags;
    if ((flags & Frames.END_HEADERS) != 0) {
      headerBlockDone();
    } else {
      collectingBlock = true;
    }
  }

  private void continuation(int flags, int streamId, ByteString payload) {
    if (!collectingBlock) {
      connectionError(Frames.PROTOCOL_ERROR, "CONTINUATION without a header block");
      return;
    }
    append(payload);
    if (blockIn.size() > settings.maxHeaderListSize() * 2L + Frames.DEFAULT_MAX_FRAME) {
      // Far past anything this end would decode: the peer is flooding, not sending a request.
      connectionError(Frames.ENHANCE_YOUR_CALM, "a header block of more than " + blockIn.size() + " bytes");
      return;
    }
    if ((flags & Frames.END_HEADERS) != 0) {
      collectingBlock = false;
      headerBlockDone();
    }
  }

  private void append(ByteString fragment) {
    blockIn.write(fragment);
  }

  private void headerBlockDone() {
    fields.reset(settings.maxHeaderListSize());
    try {
      decoder.decode(blockIn.array(), 0, blockIn.size(), fields);
    } catch (HpackDecoder.HpackException e) {
      connectionError(Frames.COMPRESSION_ERROR, "a header block that cannot be decoded: " + e.getMessage());
      return;
    }
    blockIn.reset();
    headerBlock(blockStream, streams.get(blockStream), fields, (blockFlags & Frames.END_STREAM) != 0);
  }

  private void resetByPeer(int streamId, ByteString payload) {
    if (streamId == 0 || payload.size() != 4) {
      connectionError(Frames.PROTOCOL_ERROR, "a malformed RST_STREAM frame");
      return;
    }
    Http2Stream stream = streams.get(streamId);
    if (stream == null) {
      if (streamId > highestStreamId()) {
        connectionError(Frames.PROTOCOL_ERROR, "RST_STREAM on idle stream " + streamId);
      }
      return;
    }
    int code = payload.iterator().getInt(java.nio.ByteOrder.BIG_ENDIAN);
    close(stream, new Http2StreamResetException(streamId, code));
  }

  private void settingsFrame(int flags, int streamId, ByteString payload) {
    if (streamId != 0) {
      connectionError(Frames.PROTOCOL_ERROR, "SETTINGS on a stream");
      return;
    }
    if ((flags & Frames.ACK) != 0) {
      if (!payload.isEmpty()) {
        connectionError(Frames.FRAME_SIZE_ERROR, "a SETTINGS acknowledgement with a payload");
      }
      return;
    }
    if (payload.size() % 6 != 0) {
      connectionError(Frames.FRAME_SIZE_ERROR, "a SETTINGS frame of " + payload.size() + " bytes");
      return;
    }
    var bytes = payload.iterator();
    for (int i = 0; i < payload.size(); i += 6) {
      int id = bytes.getShort(java.nio.ByteOrder.BIG_ENDIAN) & 0xffff;
      long value = bytes.getInt(java.nio.ByteOrder.BIG_ENDIAN) & 0xffffffffL;
      switch (id) {
        case Frames.SETTINGS_ENABLE_PUSH -> {
          if (value > 1) {
            connectionError(Frames.PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH of " + value);
            return;
          }
        }
        case Frames.SETTINGS_MAX_CONCURRENT_STREAMS -> peerMaxConcurrent = value;
        case Frames.SETTINGS_INITIAL_WINDOW_SIZE -> {
          if (value > Frames.MAX_WINDOW) {
            connectionError(Frames.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE of " + value);
            return;
          }
          long delta = value - peerInitialWindow;
          peerInitialWindow = (int) value;
          for (Http2Stream stream : streams.values()) {
            stream.sendWindow += delta;
          }
        }
        case Frames.SETTINGS_MAX_FRAME_SIZE -> {
          if (value < Frames.DEFAULT_MAX_FRAME || value > Frames.MAX_FRAME_LIMIT) {
            connectionError(Frames.PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE of " + value);
            return;
          }
          peerMaxFrame = (int) value;
        }
        case Frames.SETTINGS_HEADER_TABLE_SIZE -> encoder.peerTableSize(value);
        default -> { } // the header list size (advisory), unknown ones
      }
    }
    Frames.settingsAck(output);
    settingsChanged();
    resumeWaiting();
  }

  /** The peer's settings changed (a client may open more streams now). */
  void settingsChanged() {}

  private void ping(int flags, int streamId, ByteString payload) {
    if (streamId != 0 || payload.size() != Frames.PING_LENGTH) {
      connectionError(streamId != 0 ? Frames.PROTOCOL_ERROR : Frames.FRAME_SIZE_ERROR, "a malformed PING frame");
      return;
    }
    if ((flags & Frames.ACK) != 0) {
      pingOutstanding = false;
      cancelTimer(PING_TIMEOUT);
      return;
    }
    Frames.ping(output, Frames.ACK, payload.iterator().getLong(java.nio.ByteOrder.BIG_ENDIAN));
  }

  private void goaway(int streamId, ByteString payload) {
    if (streamId != 0 || payload.size() < 8) {
      connectionError(Frames.PROTOCOL_ERROR, "a malformed GOAWAY frame");
      return;
    }
    var bytes = payload.iterator();
    int last = bytes.getInt(java.nio.ByteOrder.BIG_ENDIAN) & 0x7fffffff;
    int code = bytes.getInt(java.nio.ByteOrder.BIG_ENDIAN);
    goingAway = true;
    goawayReceived(last, code);
    finishIfIdle();
  }

  /** The peer will take no streams above {@code lastStream}. */
  abstract void goawayReceived(int lastStream, int code);

  private void windowUpdate(int streamId, ByteString payload) {
    if (payload.size() != 4) {
      connectionError(Frames.FRAME_SIZE_ERROR, "a WINDOW_UPDATE frame of " + payload.size() + " bytes");
      return;
    }
    int increment = payload.iterator().getInt(java.nio.ByteOrder.BIG_ENDIAN) & 0x7fffffff;
    if (streamId == 0) {
      if (increment == 0 || sendWindow + increment > Frames.MAX_WINDOW) {
        connectionError(increment == 0 ? Frames.PROTOCOL_ERROR : Frames.FLOW_CONTROL_ERROR,
            "a connection WINDOW_UPDATE of " + increment);
        return;
      }
      sendWindow += increment;
      resumeWaiting();
      return;
    }
    Http2Stream stream = streams.get(streamId);
    if (stream == null || stream.closed) {
      if (stream == null && streamId > highestStreamId()) {
        connectionError(Frames.PROTOCOL_ERROR, "WINDOW_UPDATE on idle stream " + streamId);
      }
      return;
    }
    if (increment == 0 || stream.sendWindow + increment > Frames.MAX_WINDOW) {
      resetStream(stream, increment == 0 ? Frames.PROTOCOL_ERROR : Frames.FLOW_CONTROL_ERROR,
          "a stream WINDOW_UPDATE of " + increment);
      return;
    }
    stream.sendWindow += increment;
    writeData(stream);
  }

  /** The highest stream id either end has used: frames above it name streams that never existed. */
  abstract int highestStreamId();

  // ---- handing messages over

  /** Records the head of {@code stream}'s message, to be handed over once this read's frames are all handled. */
  protected final void completeHead(Http2Stream stream, Message message) {
    stream.incoming = message;
    completedHeads.add(stream);
  }

  private void handOverHeads() {
    for (int i = 0; i < completedHeads.size(); i++) {
      Http2Stream stream = completedHeads.get(i);
      Message message = stream.incoming;
      stream.incoming = null;
      if (message == null || (stream.closed && !stream.remoteEnded)) {
        continue; // reset before its head was handed over
      }
      message.trailers(stream.trailersIn);
      handOver(stream, bodyOf(stream, message));
    }
    completedHeads.clear();
  }

  /** {@code message} with its body: in hand when the stream has ended, else read as the reader asks. */
  private Message bodyOf(Http2Stream stream, Message message) {
    if (stream.remoteEnded) {
      ByteString data = stream.received;
      stream.received = EMPTY;
      consumed(stream, data.size());
      setBody(message, Body.of(data));
      if (stream.localEnded) {
        close(stream, null);
      }
      return message;
    }
    if (stream.trailersIn == null) {
      stream.trailersIn = new Trailers();
      message.trailers(stream.trailersIn);
    }
    SubSourceOutlet<ByteString> body = new SubSourceOutlet<>("http2-body-" + stream.id);
    stream.bodyOut = body;
    body.setHandler(new AbstractOutHandler() {
      @Override
      public void onPull() {
        deliver(stream);
        flush();
      }

      @Override
      public void onDownstreamFinish(Throwable cause) {
        stream.discarding = true;
        stream.bodyOut = null;
        consumed(stream, stream.received.size());
        stream.received = EMPTY;
        readerLeft(stream);
        flush();
      }
    });
    setBody(message, new Body.Streamed(Source.fromGraph(body.source()).mapMaterializedValue(m -> NotUsed.notUsed()),
        stream.declaredLength));
    return message;
  }

  private static void setBody(Message message, Body body) {
    switch (message) {
      case io.weft.streams.http.Request request -> request.body(body);
      case io.weft.streams.http.Response response -> response.body(body);
    }
  }

  /** Whoever read {@code stream}'s body stopped before its end. */
  abstract void readerLeft(Http2Stream stream);

  /** Gives the stream's reader what has arrived, if it asked; ends the body after the last of it. */
  private void deliver(Http2Stream stream) {
    SubSourceOutlet<ByteString> body = stream.bodyOut;
    if (body == null) {
      return;
    }
    if (!stream.received.isEmpty() && body.isAvailable()) {
      ByteString data = stream.received;
      stream.received = EMPTY;
      body.push(data);
      consumed(stream, data.size());
    }
    if (stream.received.isEmpty() && stream.remoteEnded && stream.bodyOut != null) {
      stream.bodyOut = null;
      body.complete();
      remoteBodyDone(stream);
    }
  }

  /**
   * {@code bytes} of data arrived: the connection's window is given back at once. A stream's
   * window, given back only as its reader takes the data, bounds what each stream buffers; holding
   * the connection's too would let streams nobody reads yet starve the one being read.
   */
  private void received(int bytes) {
    connectionUnacknowledged += bytes;
    if (connectionUnacknowledged >= settings.connectionWindow() / 2) {
      Frames.windowUpdate(output, 0, connectionUnacknowledged);
      receiveWindow += connectionUnacknowledged;
      connectionUnacknowledged = 0;
    }
  }

  /** {@code bytes} of {@code stream}'s data were taken by its reader or dropped: its window is given back. */
  private void consumed(Http2Stream stream, int bytes) {
    if (bytes > 0 && !stream.remoteEnded && !stream.closed) {
      stream.unacknowledged += bytes;
      if (stream.unacknowledged >= settings.streamWindow() / 2) {
        Frames.windowUpdate(output, stream.id, stream.unacknowledged);
        stream.receiveWindow += stream.unacknowledged;
        stream.unacknowledged = 0;
      }
    }
  }

  /** The peer's side of {@code stream} ended: whether the stream is now closed. */
  private void remoteBodyDone(Http2Stream stream) {
    if (stream.localEnded) {
      close(stream, null);
    }
  }

  /** The trailers that end {@code stream}'s incoming message. */
  protected final void trailersArrived(Http2Stream stream, Headers trailers) {
    if (stream.trailersIn == null) {
      stream.trailersIn = new Trailers(trailers);
    } else {
      stream.trailersIn.set(trailers);
    }
    remoteEnd(stream);
  }

  /**
   * Takes the content-length field out of {@code headers} as {@code stream}'s declared body length
   * (a body of another length is malformed); false when its value is no length.
   */
  protected final boolean declareLength(Http2Stream stream, Headers headers) {
    String length = headers.get(CONTENT_LENGTH);
    if (length == null) {
      return true;
    }
    try {
      stream.declaredLength = Long.parseLong(length);
    } catch (NumberFormatException e) {
      return false;
    }
    headers.remove(CONTENT_LENGTH);
    return stream.declaredLength >= 0;
  }

  /** The peer ended {@code stream} with its head (no body). */
  protected final void endedWithHead(Http2Stream stream) {
    stream.remoteEnded = true;
  }

  // ---- writing

  /**
   * Writes a message's head: the pseudo-header fields ({@code pseudo}: name, value, ...), its
   * fields, and its body's length when known ({@code bodyLength} ≥ 0: content-length is framing in
   * the light model, as HTTP/1's codec has it, and HTTP/2 carries it as a field).
   */
  protected final void writeHead(Http2Stream stream, String[] pseudo, Headers headers, long bodyLength, boolean endStream) {
    encoder.startBlock(blockOut);
    for (int i = 0; i < pseudo.length; i += 2) {
      encoder.field(pseudo[i], pseudo[i + 1], blockOut);
    }
    writeFields(headers);
    if (bodyLength >= 0 && !headers.contains(CONTENT_LENGTH)) {
      encoder.field(CONTENT_LENGTH, Long.toString(bodyLength), blockOut);
    }
    Frames.headers(output, stream.id, blockOut, endStream, peerMaxFrame);
    if (endStream) {
      localEnd(stream);
    }
  }

  private void writeFields(Headers headers) {
    for (int i = 0; i < headers.size(); i++) {
      String name = lowercase(headers.name(i));
      // Fields HTTP/2 has no place for (RFC 9113 §8.2.2), and Host, which :authority carries.
      if (RequestFieldRules.CONNECTION_SPECIFIC.contains(name) || name.equals("host")
          || (name.equals("te") && !headers.value(i).equals("trailers"))) {
        continue;
      }
      encoder.field(name, headers.value(i), blockOut);
    }
  }

  private static String lowercase(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return name.toLowerCase(java.util.Locale.ROOT);
      }
    }
    return name;
  }

  /**
   * Writes a message: its head, then {@code body} and {@code trailers} (null: none) as the windows
   * allow. Its content-length is the body's length when known and non-empty, and none for a
   * message with trailers — a client such as curl takes a body of known length as complete and
   * never reads the trailers after it (gRPC's status).
   */
  protected final void writeMessage(Http2Stream stream, String[] pseudo, Headers headers, Body body, Trailers trailers) {
    boolean mayHaveTrailers = trailers != null && (trailers.fields() == null || trailers.fields().size() > 0);
    boolean endStream = body instanceof Body.Empty && !mayHaveTrailers;
    writeHead(stream, pseudo, headers, body instanceof Body.Empty || trailers != null ? -1 : body.length(), endStream);
    if (!endStream) {
      writeBody(stream, body, trailers);
    }
    flush();
  }

  /**
   * Sends {@code body} on {@code stream} (whose head went out without END_STREAM), then
   * {@code trailers} if they have fields by then, as the windows allow.
   */
  private void writeBody(Http2Stream stream, Body body, Trailers trailers) {
    stream.trailersOut = trailers;
    switch (body) {
      case Body.Empty e -> stream.bodyDone = true;
      case Body.Strict s -> {
        stream.pending = s.bytes();
        stream.bodyDone = true;
      }
      case Body.Streamed s -> streamBody(stream, s.bytes());
      case Body.Tunnel t -> streamBody(stream, t.bytes());
    }
    writeData(stream);
  }

  private void streamBody(Http2Stream stream, Source<ByteString, ?> source) {
    SubSinkInlet<ByteString> body = new SubSinkInlet<>("http2-body-out-" + stream.id);
    stream.bodyIn = body;
    body.setHandler(new AbstractInHandler() {
      @Override
      public void onPush() {
        ByteString data = body.grab();
        stream.pending = stream.pending.isEmpty() ? data : stream.pending.concat(data);
        writeData(stream);
        flush();
      }

      @Override
      public void onUpstreamFinish() {
        stream.bodyIn = null;
        stream.bodyDone = true;
        writeData(stream);
        flush();
      }

      @Override
      public void onUpstreamFailure(Throwable cause) {
        stream.bodyIn = null;
        resetStream(stream, Frames.INTERNAL_ERROR, "its body failed: " + cause.getMessage());
        flush();
      }
    });
    source.runWith(body.sink(), subFusingMaterializer());
  }

  /** Writes as much of {@code stream}'s data as the windows let; ends the stream once all of it is out. */
  private void writeData(Http2Stream stream) {
    if (stream.closed || stream.localEnded) {
      return;
    }
    while (!stream.pending.isEmpty() && sendWindow > 0 && stream.sendWindow > 0
        && output.length() < settings.outputHighWater()) {
      int n = (int) Math.min(Math.min(stream.pending.size(), peerMaxFrame), Math.min(sendWindow, stream.sendWindow));
      ByteString chunk = stream.pending.take(n);
      stream.pending = stream.pending.drop(n);
      boolean last = stream.pending.isEmpty() && stream.bodyDone && !hasTrailers(stream);
      Frames.data(output, stream.id, chunk, last);
      sendWindow -= n;
      stream.sendWindow -= n;
      if (last) {
        localEnd(stream);
        return;
      }
    }
    if (!stream.pending.isEmpty()) {
      if ((sendWindow <= 0 || output.length() >= settings.outputHighWater()) && !waiting.contains(stream)) {
        waiting.add(stream);
      }
      return;
    }
    if (stream.bodyDone) {
      if (hasTrailers(stream)) {
        encoder.startBlock(blockOut);
        writeFields(stream.trailersOut.fields());
        Frames.headers(output, stream.id, blockOut, true, peerMaxFrame);
      } else {
        Frames.data(output, stream.id, EMPTY, true);
      }
      localEnd(stream);
      return;
    }
    SubSinkInlet<ByteString> body = stream.bodyIn;
    if (body != null && !body.hasBeenPulled() && !body.isClosed()) {
      if (output.length() < settings.outputHighWater()) {
        body.pull();
      } else if (!waiting.contains(stream)) {
        waiting.add(stream);
      }
    }
  }

  private static boolean hasTrailers(Http2Stream stream) {
    return stream.trailersOut != null && stream.trailersOut.fields() != null && stream.trailersOut.fields().size() > 0;
  }

  private void resumeWaiting() {
    for (int i = waiting.size(); i > 0 && output.length() < settings.outputHighWater(); i--) {
      writeData(waiting.poll());
    }
  }

  private void localEnd(Http2Stream stream) {
    stream.localEnded = true;
    if (stream.remoteEnded && stream.bodyOut == null) {
      close(stream, null);
    } else {
      localEnded(stream);
    }
  }

  /** This end finished its message on {@code stream} while the peer's goes on. */
  void localEnded(Http2Stream stream) {}

  /** Ends {@code stream} for the peer too: RST_STREAM with {@code code}, and its reader and writer fail with {@code why}. */
  protected final void resetStream(Http2Stream stream, int code, String why) {
    if (stream.closed) {
      return;
    }
    Frames.rstStream(output, stream.id, code);
    close(stream, new Http2StreamResetException(stream.id, code, why));
  }

  /** Closes {@code stream}: {@code cause} null when both sides ended it, else what its reader and writer fail with. */
  protected final void close(Http2Stream stream, Throwable cause) {
    if (stream.closed) {
      return;
    }
    stream.closed = true;
    openStreams--;
    streams.remove(stream.id);
    waiting.remove(stream);
    if (cause != null) {
      if (stream.bodyOut != null) {
        SubSourceOutlet<ByteString> body = stream.bodyOut;
        stream.bodyOut = null;
        body.fail(cause);
      }
      if (stream.bodyIn != null) {
        SubSinkInlet<ByteString> body = stream.bodyIn;
        stream.bodyIn = null;
        body.cancel();
      }
      stream.received = EMPTY;
    }
    streamClosed(stream, cause);
    finishIfIdle();
  }

  protected final void flush() {
    if (output.length() > 0 && isAvailable(out)) {
      push(out, output.result());
      output = new ByteStringBuilder();
      if (closeWhenFlushed) {
        completeStage();
      }
    }
  }

  /** A connection error (§5.4.1): GOAWAY with {@code code}, every stream fails, the connection closes once that is written. */
  protected final void connectionError(int code, String why) {
    if (closeWhenFlushed) {
      return;
    }
    Frames.goaway(output, highestStreamId(), code, why);
    ending(new ConnectionClosedException("HTTP/2 connection error: " + why, true, null));
    closeWhenFlushed = true;
    flush();
  }

  /** Sends GOAWAY and closes once the streams open now are done (a retired connection). */
  protected final void goAway() {
    if (!goingAway && !closeWhenFlushed) {
      goingAway = true;
      Frames.goaway(output, highestStreamId(), Frames.NO_ERROR, "");
      finishIfIdle();
      flush();
    }
  }

  private void finishIfIdle() {
    if (goingAway && openStreams == 0 && !closeWhenFlushed) {
      closeWhenFlushed = true;
      if (output.length() == 0) {
        completeStage();
      } else {
        flush();
      }
    }
  }

  private void connectionLost(ConnectionClosedException cause) {
    ending(cause);
    completeStage();
  }

  private void ending(Throwable cause) {
    for (Http2Stream stream : new ArrayList<>(streams.values())) {
      close(stream, cause);
    }
    connectionEnding(cause);
  }

  @Override
  public void onTimer(Object key) {
    if (PING_TICK.equals(key)) {
      if (!readSinceTick && !pingOutstanding) {
        pingOutstanding = true;
        Frames.ping(output, 0, System.nanoTime());
        settings.pingTimeout().ifPresent(timeout -> scheduleOnce(PING_TIMEOUT, timeout));
        flush();
      }
      readSinceTick = false;
    } else if (PING_TIMEOUT.equals(key) && pingOutstanding) {
      connectionError(Frames.NO_ERROR, "no answer to a ping within " + settings.pingTimeout().orElseThrow());
    }
  }

  @Override
  public void postStop() {
    if (!streams.isEmpty()) {
      ending(new ConnectionClosedException("the HTTP/2 connection closed", true, null));
    }
  }
}
