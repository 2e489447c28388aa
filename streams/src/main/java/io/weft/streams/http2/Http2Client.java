package io.weft.streams.http2;

import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Message;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.http1.ConnectionClosedException;
import io.weft.streams.stage.Handoff;
import org.apache.pekko.Done;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.GraphStageWithMaterializedValue;
import org.apache.pekko.util.ByteString;
import scala.Tuple2;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The client side of an HTTP/2 connection (prior knowledge): requests from any thread, each on a
 * stream of its own, as many at once as the server allows and the rest queued in order. A request
 * the server never took (refused, or above a GOAWAY's last stream, or the connection gone before it
 * was written) fails with {@link ConnectionClosedException#requestSent()} false, so it can be sent
 * elsewhere.
 */
public final class Http2Client extends GraphStageWithMaterializedValue<FlowShape<ByteString, ByteString>, Http2Client.Connection> {
  /** A running connection's handle. */
  public interface Connection {
    /** The response's head, its body to follow (or in hand when it came whole). */
    CompletionStage<Response> send(Request request);

    /** False once the connection takes no new requests (going away, or closed). */
    boolean accepting();

    /** Takes no new requests; closes once those in flight are done. */
    void retire();

    /** Completes when the connection has closed. */
    CompletionStage<Done> closed();
  }

  private final Inlet<ByteString> in = Inlet.create("Http2Client.in");
  private final Outlet<ByteString> out = Outlet.create("Http2Client.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final Http2Settings settings;

  private Http2Client(Http2Settings settings) {
    this.settings = settings;
  }

  /** The connection's protocol: bytes from the server in, bytes to it out; joined to a transport, it runs. */
  public static Flow<ByteString, ByteString, Connection> flow(Http2Settings settings) {
    return Flow.fromGraph(new Http2Client(settings));
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public Tuple2<GraphStageLogic, Connection> createLogicAndMaterializedValue(Attributes attributes) {
    Logic logic = new Logic();
    return Tuple2.apply(logic, logic.handle);
  }

  private static final String IDLE = "idle";

  private record Outgoing(Request request, CompletableFuture<Response> response) {}

  private static ConnectionClosedException notSent(String why) {
    return new ConnectionClosedException(why, false, null);
  }

  private final class Logic extends Http2Connection {
    private final CompletableFuture<Done> closed = new CompletableFuture<>();
    private final AsyncCallback<Outgoing> submit = createAsyncCallback(this::submit);
    private final AsyncCallback<Done> retire = createAsyncCallback(done -> goAway());
    private final ArrayDeque<Outgoing> queued = new ArrayDeque<>();
    private volatile boolean accepting = true;
    private int nextId = 1;
    final Connection handle = new Connection() {
      @Override
      public CompletionStage<Response> send(Request request) {
        CompletableFuture<Response> response = new CompletableFuture<>();
        if (!accepting) {
          response.completeExceptionally(notSent("the HTTP/2 connection takes no new requests"));
          return response;
        }
        Handoff.invoke(submit, new Outgoing(request, response), stopped ->
            response.completeExceptionally(new ConnectionClosedException("the HTTP/2 connection closed", false, stopped)));
        return response;
      }

      @Override
      public boolean accepting() {
        return accepting;
      }

      @Override
      public void retire() {
        accepting = false;
        retire.invoke(Done.getInstance());
      }

      @Override
      public CompletionStage<Done> closed() {
        return closed;
      }
    };

    @Override
    public void preStart() {
      super.preStart();
      idleFromNow();
    }

    Logic() {
      super(shape, Http2Client.this.in, Http2Client.this.out, Http2Client.this.settings, false);
    }

    @Override
    protected void writeOwnSettings() {
      output().append(Frames.PREFACE);
      super.writeOwnSettings();
    }

    @Override
    protected int[] ownSettings() {
      return new int[] {Frames.SETTINGS_ENABLE_PUSH, 0, Frames.SETTINGS_INITIAL_WINDOW_SIZE, settings.streamWindow(),
          Frames.SETTINGS_MAX_HEADER_LIST_SIZE, settings.maxHeaderListSize()};
    }

    @Override
    int highestStreamId() {
      return nextId - 2;
    }

    private void submit(Outgoing outgoing) {
      if (goingAway) {
        outgoing.response().completeExceptionally(notSent("the HTTP/2 connection is going away"));
      } else if (openStreams < peerMaxConcurrent && queued.isEmpty()) {
        open(outgoing);
      } else if (queued.size() < settings.maxQueuedRequests()) {
        queued.add(outgoing);
      } else {
        outgoing.response().completeExceptionally(notSent("the HTTP/2 connection has " + queued.size()
            + " requests waiting for a stream already"));
      }
    }

    private void open(Outgoing outgoing) {
      if (nextId < 0) {
        // Stream ids ran out (2^31): this connection is done; the next request opens another.
        accepting = false;
        outgoing.response().completeExceptionally(notSent("the HTTP/2 connection used all its stream ids"));
        goAway();
        return;
      }
      Request request = outgoing.request();
      Http2Stream stream = new Http2Stream(nextId, peerInitialWindow, settings.streamWindow());
      nextId += 2;
      stream.attachment = outgoing.response();
      stream.headRequest = request.isHead();
      streams.put(stream.id, stream);
      openStreams++;
      cancelTimer(IDLE);
      String[] pseudo = request.method().equals("CONNECT")
          ? new String[] {":method", request.method(), ":authority", request.authority()}
          : new String[] {":method", request.method(), ":scheme", request.scheme(), ":authority", request.authority(),
              ":path", request.target()};
      writeMessage(stream, pseudo, request.headers(), request.body(), request.trailers());
    }

    /** No request in flight: the connection closes if none comes within the idle timeout. */
    private void idleFromNow() {
      if (openStreams == 0 && queued.isEmpty()) {
        settings.idleTimeout().ifPresent(idle -> scheduleOnce(IDLE, idle));
      }
    }

    @Override
    public void onTimer(Object key) {
      if (IDLE.equals(key)) {
        if (openStreams == 0 && queued.isEmpty()) {
          accepting = false;
          goAway();
        }
      } else {
        super.onTimer(key);
      }
    }

    private void startQueued() {
      while (!queued.isEmpty() && openStreams < peerMaxConcurrent && !goingAway) {
        open(queued.poll());
      }
    }

    @Override
    void settingsChanged() {
      startQueued();
    }

    @Override
    void headerBlock(int id, Http2Stream stream, FieldList fields, boolean endStream) {
      if (stream == null) {
        if (id > highestStreamId() || id % 2 == 0) {
          connectionError(Frames.PROTOCOL_ERROR, "HEADERS on stream " + id + ", which this client never opened");
        }
        return; // a stream this end reset: its late frames are dropped
      }
      if (stream.headReceived) {
        if (!endStream || fields.tooLarge()) {
          resetStream(stream, Frames.PROTOCOL_ERROR, endStream ? "trailers past the size limit" : "trailers without END_STREAM");
          return;
        }
        trailersArrived(stream, regularFields(fields));
        return;
      }
      int status = status(fields);
      if (status < 100 || fields.tooLarge()) {
        resetStream(stream, Frames.PROTOCOL_ERROR, status < 100 ? "a response without a valid :status"
            : "a response head past the size limit");
        return;
      }
      if (status < 200) {
        if (endStream) {
          resetStream(stream, Frames.PROTOCOL_ERROR, "an informational response that ends its stream");
        }
        return; // informational: the final answer follows
      }
      stream.headReceived = true;
      Headers headers = regularFields(fields);
      // The answer to HEAD, and 304, describe a body that is not sent: their content-length stays a field.
      if (!stream.headRequest && status != 304 && !declareLength(stream, headers)) {
        resetStream(stream, Frames.PROTOCOL_ERROR, "content-length '" + headers.get(CONTENT_LENGTH) + "'");
        return;
      }
      if (endStream) {
        endedWithHead(stream);
      }
      completeHead(stream, new Response(status, null, HttpVersion.HTTP_2, headers, Body.EMPTY));
    }

    private int status(FieldList fields) {
      for (int i = 0; i < fields.size(); i++) {
        if (fields.name(i).equals(":status")) {
          String value = fields.value(i);
          if (value.length() != 3) {
            return -1;
          }
          try {
            return Integer.parseInt(value);
          } catch (NumberFormatException e) {
            return -1;
          }
        }
      }
      return -1;
    }

    private Headers regularFields(FieldList fields) {
      Headers headers = new Headers();
      for (int i = 0; i < fields.size(); i++) {
        if (!fields.name(i).startsWith(":")) {
          headers.add(fields.name(i), fields.value(i));
        }
      }
      return headers;
    }

    @SuppressWarnings("unchecked")
    private CompletableFuture<Response> responseOf(Http2Stream stream) {
      return (CompletableFuture<Response>) stream.attachment;
    }

    @Override
    void handOver(Http2Stream stream, Message message) {
      responseOf(stream).complete((Response) message);
    }

    @Override
    void readerLeft(Http2Stream stream) {
      resetStream(stream, Frames.CANCEL, "its response's reader stopped");
    }

    @Override
    void streamClosed(Http2Stream stream, Throwable cause) {
      if (cause != null && !responseOf(stream).isDone()) {
        // A stream the server refused was never processed: it may be sent again.
        responseOf(stream).completeExceptionally(cause instanceof ConnectionClosedException closed ? closed
            : new ConnectionClosedException(cause.getMessage(),
                !(cause instanceof Http2StreamResetException reset && reset.refused()), cause));
      }
      startQueued();
      idleFromNow();
    }

    @Override
    void goawayReceived(int lastStream, int code) {
      accepting = false;
      for (Http2Stream stream : new java.util.ArrayList<>(streams.values())) {
        if (stream.id > lastStream) {
          close(stream, notSent("the server will not process stream " + stream.id + " (GOAWAY, code " + code + ")"));
        }
      }
      failQueued("the HTTP/2 connection is going away");
    }

    @Override
    void connectionEnding(Throwable cause) {
      accepting = false;
      failQueued("the HTTP/2 connection closed: " + cause.getMessage());
    }

    private void failQueued(String why) {
      for (Outgoing outgoing; (outgoing = queued.poll()) != null; ) {
        outgoing.response().completeExceptionally(notSent(why));
      }
    }

    @Override
    public void postStop() {
      accepting = false;
      super.postStop();
      failQueued("the HTTP/2 connection closed");
      closed.complete(Done.getInstance());
    }
  }
}
