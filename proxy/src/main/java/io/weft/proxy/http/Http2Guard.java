package io.weft.proxy.http;

import io.weft.streams.http2.RequestFieldRules;

import org.apache.pekko.NotUsed;
import org.apache.pekko.http.shaded.com.twitter.hpack.Decoder;
import org.apache.pekko.http.shaded.com.twitter.hpack.Encoder;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Guards a Pekko HTTP/2 server (the tap port's gRPC service) from malformed requests, frame by
 * frame, before it sees them:
 * each request's header block is decoded and checked ({@link RequestFieldRules}); a malformed one
 * is never passed on — the client gets {@code RST_STREAM(PROTOCOL_ERROR)} for that stream (a stream
 * error, RFC 9113 §8.1.1) and the connection carries on, where Pekko would fail the connection.
 *
 * <p>Pekko decodes the header blocks it is given with its own HPACK table, so a dropped block
 * would leave the two tables apart: from the first dropped block on, every block is passed on
 * re-encoded without indexing (Pekko's table then never changes again). Data frames of a rejected
 * stream are dropped and their bytes returned to the client's connection window.
 */
public final class Http2Guard extends GraphStage<BidiShape<ByteString, ByteString, ByteString, ByteString>> {
  private static final Logger log = LoggerFactory.getLogger(Http2Guard.class);
  private static final int PREFACE_LENGTH = 24;
  private static final int FRAME_HEADER = 9;
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int RST_STREAM = 0x3;
  private static final int WINDOW_UPDATE = 0x8;
  private static final int CONTINUATION = 0x9;
  private static final int END_STREAM = 0x1;
  private static final int END_HEADERS = 0x4;
  private static final int PADDED = 0x8;
  private static final int PRIORITY = 0x20;
  private static final int PROTOCOL_ERROR = 0x1;
  /** HTTP/2's default header table size, which Pekko's server keeps (it advertises no other). */
  private static final int HEADER_TABLE_SIZE = 4096;
  /** Pekko's default (and smallest allowed) frame size: re-encoded blocks are split to fit it. */
  private static final int MAX_FRAME = 16_384;
  private static final ByteOrder NETWORK = ByteOrder.BIG_ENDIAN;
  /** Resets owed to a client that does not read: past this many, the guard stops reading its requests. */
  private static final int MAX_OWN_FRAMES = 1024;

  private final Inlet<ByteString> fromClient = Inlet.create("Http2Guard.fromClient");
  private final Outlet<ByteString> toServer = Outlet.create("Http2Guard.toServer");
  private final Inlet<ByteString> fromServer = Inlet.create("Http2Guard.fromServer");
  private final Outlet<ByteString> toClient = Outlet.create("Http2Guard.toClient");
  private final BidiShape<ByteString, ByteString, ByteString, ByteString> shape =
      BidiShape.of(fromClient, toServer, fromServer, toClient);
  private final int maxHeaderListSize;

  private Http2Guard(int maxHeaderListSize) {
    this.maxHeaderListSize = maxHeaderListSize;
  }

  /** The guard of one connection; {@code maxHeaderListSize}: the largest header section decoded (bigger is malformed). */
  public static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> of(int maxHeaderListSize) {
    return BidiFlow.fromGraph(new Http2Guard(maxHeaderListSize));
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
    private final Decoder decoder = new Decoder(maxHeaderListSize, HEADER_TABLE_SIZE);
    private Encoder encoder;
    private ByteString in = ByteString.emptyByteString();
    private boolean prefaceRead;
    /** The header block being collected (HEADERS then CONTINUATION frames), its stream, flags and frames. */
    private int blockStream;
    private int blockFlags;
    private ByteStringBuilder block;
    private ByteStringBuilder blockFrames;
    /** Streams the client has opened and not yet ended (a HEADERS on one of them is its trailers). */
    private final Set<Integer> open = new HashSet<>();
    /** Streams refused here whose frames are still coming: dropped, their data given back to the window. */
    private final Set<Integer> refused = new HashSet<>();
    private final ArrayDeque<ByteString> toServerQueue = new ArrayDeque<>();
    /** Frames of this guard's own for the client, sent between the server's frames. */
    private final ArrayDeque<ByteString> ownFrames = new ArrayDeque<>();
    private ByteString out = ByteString.emptyByteString();
    private boolean serverSpoke;
    private boolean clientDone;

    Logic() {
      super(shape);
      setHandler(fromClient, new AbstractInHandler() {
        @Override
        public void onPush() {
          in = in.concat(grab(fromClient));
          readFrames();
          forwardToServer();
          flushToClient();
          pullClient();
        }

        @Override
        public void onUpstreamFinish() {
          clientDone = true;
          if (toServerQueue.isEmpty()) {
            complete(toServer);
          }
        }
      });
      setHandler(toServer, new AbstractOutHandler() {
        @Override
        public void onPull() {
          forwardToServer();
          pullClient();
        }
      });
      setHandler(fromServer, new AbstractInHandler() {
        @Override
        public void onPush() {
          out = out.concat(grab(fromServer));
          flushToClient();
        }

        @Override
        public void onUpstreamFinish() {
          flushToClient(); // whatever is left goes out as it is, then the way back ends
        }
      });
      setHandler(toClient, new AbstractOutHandler() {
        @Override
        public void onPull() {
          flushToClient();
          pullClient();
        }
      });
    }

    /** More of the client's bytes, once what it sent is passed on and it reads what it is owed. */
    private void pullClient() {
      if (toServerQueue.isEmpty() && ownFrames.size() < MAX_OWN_FRAMES && !hasBeenPulled(fromClient) && !isClosed(fromClient)) {
        pull(fromClient);
      }
    }

    private void readFrames() {
      if (!prefaceRead) {
        if (in.size() < PREFACE_LENGTH) {
          return;
        }
        toServerQueue.add(in.take(PREFACE_LENGTH));
        in = in.drop(PREFACE_LENGTH);
        prefaceRead = true;
      }
      while (in.size() >= FRAME_HEADER) {
        int length = payloadLength(in, 0);
        if (in.size() < FRAME_HEADER + length) {
          return;
        }
        ByteString frame = in.take(FRAME_HEADER + length);
        in = in.drop(FRAME_HEADER + length);
        frame(frame, length);
      }
    }

    private void frame(ByteString frame, int length) {
      int type = frame.apply(3) & 0xff;
      int flags = frame.apply(4) & 0xff;
      int stream = frame.iterator().drop(5).getInt(NETWORK) & 0x7fffffff;
      if (block != null) {
        if (type != CONTINUATION || stream != blockStream) {
          // A header block interrupted: Pekko answers that as the connection error it is.
          passBlockAsIs();
          toServerQueue.add(frame);
          return;
        }
        block.append(frame.drop(FRAME_HEADER));
        blockFrames.append(frame);
        if ((flags & END_HEADERS) != 0) {
          headerBlock();
        }
        return;
      }
      if (refused.contains(stream)) {
        if (type == DATA && length > 0) {
          ownFrames.add(windowUpdate(length)); // the connection's window, which Pekko never saw this use
        }
        if ((flags & END_STREAM) != 0 && (type == DATA || type == HEADERS) || type == RST_STREAM) {
          refused.remove(stream);
        }
        return;
      }
      switch (type) {
        case HEADERS -> {
          Optional<ByteString> fragment = fragment(frame.drop(FRAME_HEADER), flags);
          if (fragment.isEmpty()) {
            toServerQueue.add(frame); // padding longer than the frame: Pekko ends the connection, as RFC 9113 says
            return;
          }
          block = new ByteStringBuilder();
          blockFrames = new ByteStringBuilder();
          blockStream = stream;
          blockFlags = flags;
          block.append(fragment.get());
          blockFrames.append(frame);
          if ((flags & END_HEADERS) != 0) {
            headerBlock();
          }
        }
        case DATA -> {
          if ((flags & END_STREAM) != 0) {
            open.remove(stream);
          }
          toServerQueue.add(frame);
        }
        case RST_STREAM -> {
          open.remove(stream);
          toServerQueue.add(frame);
        }
        default -> toServerQueue.add(frame);
      }
    }

    /** A complete header block: checked, then passed on as it came (or re-encoded), or refused. */
    private void headerBlock() {
      ByteString fragment = block.result();
      ByteString frames = blockFrames.result();
      int stream = blockStream;
      int flags = blockFlags;
      block = null;
      blockFrames = null;
      List<RequestFieldRules.Field> fields = new ArrayList<>();
      boolean truncated;
      try {
        decoder.decode(new java.io.ByteArrayInputStream(fragment.toArrayUnsafe()), (name, value, parsed, sensitive) -> {
          fields.add(new RequestFieldRules.Field(name, value));
          return null;
        });
        truncated = decoder.endHeaderBlock();
      } catch (IOException | RuntimeException e) {
        // Not HPACK this decoder can read: Pekko's (the same decoder) fails the connection, as RFC 9113 says.
        toServerQueue.add(frames);
        return;
      }
      boolean trailerSection = open.contains(stream);
      boolean ends = (flags & END_STREAM) != 0;
      Optional<String> malformed = truncated ? Optional.of("a header section larger than " + maxHeaderListSize + " bytes")
          : trailerSection ? (ends ? RequestFieldRules.trailers(fields) : Optional.of("trailers that do not end the stream"))
          : RequestFieldRules.request(fields);
      if (malformed.isPresent()) {
        refuse(stream, trailerSection, ends, malformed.get());
        return;
      }
      if (trailerSection) {
        open.remove(stream);
      } else if (!ends) {
        open.add(stream);
      }
      toServerQueue.add(encoder == null ? frames : reencoded(stream, flags, fields));
    }

    private void refuse(int stream, boolean opened, boolean ended, String why) {
      log.debug("HTTP/2 stream {}: malformed request ({}); reset", stream, why);
      if (encoder == null) {
        encoder = new Encoder(0);
      }
      ownFrames.add(rstStream(stream));
      if (opened) {
        // Pekko has the request already: it is told the client reset it.
        open.remove(stream);
        toServerQueue.add(rstStream(stream));
      }
      if (!ended) {
        refused.add(stream);
      }
    }

    /** An interrupted block goes on as it was; Pekko fails the connection over it. */
    private void passBlockAsIs() {
      toServerQueue.add(blockFrames.result());
      block = null;
      blockFrames = null;
    }

    /** {@code fields} as one HEADERS frame (and CONTINUATIONs) of literals Pekko's table never keeps. */
    private ByteString reencoded(int stream, int flags, List<RequestFieldRules.Field> fields) {
      ByteArrayOutputStream encoded = new ByteArrayOutputStream();
      try {
        for (RequestFieldRules.Field f : fields) {
          encoder.encodeHeader(encoded, f.name(), f.value(), false);
        }
      } catch (IOException e) {
        throw new IllegalStateException("writing to memory", e);
      }
      byte[] bytes = encoded.toByteArray();
      ByteStringBuilder frames = new ByteStringBuilder();
      int at = 0;
      boolean first = true;
      do {
        int n = Math.min(MAX_FRAME, bytes.length - at);
        boolean last = at + n == bytes.length;
        int frameFlags = (last ? END_HEADERS : 0) | (first ? flags & END_STREAM : 0);
        frames.append(header(n, first ? HEADERS : CONTINUATION, frameFlags, stream));
        frames.append(ByteString.fromArray(bytes, at, n));
        at += n;
        first = false;
      } while (at < bytes.length);
      return frames.result();
    }

    /** All that is ready for the server in one element (as many frames as the client's bytes carried). */
    private void forwardToServer() {
      if (!toServerQueue.isEmpty() && isAvailable(toServer)) {
        ByteStringBuilder next = new ByteStringBuilder();
        while (!toServerQueue.isEmpty()) {
          next.append(toServerQueue.poll());
        }
        push(toServer, next.result());
      }
      if (clientDone && toServerQueue.isEmpty() && !isClosed(toServer)) {
        complete(toServer);
      }
    }

    /**
     * The server's bytes as they come, with this guard's frames put in between two of its frames;
     * once the server is done, everything left.
     */
    private void flushToClient() {
      if (!isAvailable(toClient)) {
        return;
      }
      boolean serverDone = isClosed(fromServer);
      ByteStringBuilder next = new ByteStringBuilder();
      int whole = serverDone ? out.size() : wholeFrames(out);
      if (whole > 0) {
        next.append(out.take(whole));
        out = out.drop(whole);
        serverSpoke = true; // the server's SETTINGS goes first: nothing of the guard's before it
      }
      if ((serverSpoke || serverDone) && out.isEmpty()) {
        while (!ownFrames.isEmpty()) {
          next.append(ownFrames.poll());
        }
      }
      if (next.length() > 0) {
        push(toClient, next.result());
      } else if (serverDone) {
        complete(toClient);
        return;
      }
      if (!serverDone && !hasBeenPulled(fromServer)) {
        pull(fromServer);
      }
    }

    /** How many leading bytes of {@code bytes} are whole frames. */
    private int wholeFrames(ByteString bytes) {
      int at = 0;
      while (bytes.size() - at >= FRAME_HEADER) {
        int length = payloadLength(bytes, at);
        if (bytes.size() - at < FRAME_HEADER + length) {
          break;
        }
        at += FRAME_HEADER + length;
      }
      return at;
    }

    @Override
    public void preStart() {
      pull(fromClient);
      pull(fromServer);
    }
  }

  /** The payload length in the frame header that starts at {@code at}. */
  private static int payloadLength(ByteString bytes, int at) {
    return ((bytes.apply(at) & 0xff) << 16) | ((bytes.apply(at + 1) & 0xff) << 8) | (bytes.apply(at + 2) & 0xff);
  }

  /** A HEADERS frame's header block fragment, without its padding and priority fields; empty when they do not fit. */
  private static Optional<ByteString> fragment(ByteString payload, int flags) {
    int start = 0;
    int end = payload.size();
    if ((flags & PADDED) != 0) {
      if (payload.isEmpty()) {
        return Optional.empty();
      }
      start = 1;
      end -= payload.apply(0) & 0xff;
    }
    if ((flags & PRIORITY) != 0) {
      start += 5;
    }
    return start > end ? Optional.empty() : Optional.of(payload.slice(start, end));
  }

  private static ByteString rstStream(int stream) {
    return header(4, RST_STREAM, 0, stream).concat(int32(PROTOCOL_ERROR));
  }

  private static ByteString windowUpdate(int increment) {
    return header(4, WINDOW_UPDATE, 0, 0).concat(int32(increment));
  }

  private static ByteString header(int length, int type, int flags, int stream) {
    return ByteString.fromArray(new byte[] {(byte) (length >> 16), (byte) (length >> 8), (byte) length, (byte) type,
        (byte) flags}).concat(int32(stream));
  }

  private static ByteString int32(int v) {
    return ByteString.fromArray(new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v});
  }
}
