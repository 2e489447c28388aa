package io.weft.streams.http2;

import io.weft.streams.http.Bodies;
import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Message;
import io.weft.streams.http.ProxyError;
import io.weft.streams.http.ProxyResponses;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.http.StatusCodes;
import io.weft.streams.http.StopSignal;
import io.weft.streams.service.Service;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The server side of an HTTP/2 connection (prior knowledge): each stream's request goes to the
 * service as it arrives, answered concurrently up to the stream limit. A malformed request is a
 * stream error (RST_STREAM PROTOCOL_ERROR, RFC 9113 §8.1.1) that never reaches the service, and
 * the connection carries on; a request whose header section is past the limit is answered 431.
 * Told that its server stops, it sends GOAWAY and closes once the streams it took are done.
 */
public final class Http2Server extends GraphStage<FlowShape<ByteString, ByteString>> {
  private static final Logger log = LoggerFactory.getLogger(Http2Server.class);
  private static final int HEADER_FIELDS_TOO_LARGE = 431;

  private final Inlet<ByteString> in = Inlet.create("Http2Server.in");
  private final Outlet<ByteString> out = Outlet.create("Http2Server.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final Service<Request, Response> service;
  private final Http2Settings settings;
  private final StopSignal stop;

  private Http2Server(Service<Request, Response> service, Http2Settings settings, StopSignal stop) {
    this.service = service;
    this.settings = settings;
    this.stop = stop;
  }

  /** A connection's bytes in, its answers' bytes out, after the client's preface. */
  public static Flow<ByteString, ByteString, NotUsed> flow(Service<Request, Response> service, Http2Settings settings) {
    return flow(service, settings, StopSignal.NEVER);
  }

  /** As {@link #flow(Service, Http2Settings)}, going away once {@code stop} says so. */
  public static Flow<ByteString, ByteString, NotUsed> flow(Service<Request, Response> service, Http2Settings settings,
                                                           StopSignal stop) {
    return Flow.fromGraph(new Http2Server(service, settings, stop));
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new Logic();
  }


  private record Answer(Http2Stream stream, Request request, Response response, Throwable error) {}

  private final class Logic extends Http2Connection {
    private final AsyncCallback<Answer> answered = createAsyncCallback(this::answer);
    private final AsyncCallback<Done> stopped = createAsyncCallback(done -> goAway());
    private StopSignal.Subscription stopSubscription;
    private int highest;

    Logic() {
      super(shape, Http2Server.this.in, Http2Server.this.out, Http2Server.this.settings, true);
    }

    @Override
    public void preStart() {
      super.preStart();
      stopSubscription = stop.subscribe(() -> stopped.invoke(Done.done()));
    }

    @Override
    public void postStop() {
      stopSubscription.close();
      super.postStop();
    }

    @Override
    protected int[] ownSettings() {
      return new int[] {Frames.SETTINGS_MAX_CONCURRENT_STREAMS, settings.maxConcurrentStreams(),
          Frames.SETTINGS_INITIAL_WINDOW_SIZE, settings.streamWindow(),
          Frames.SETTINGS_MAX_HEADER_LIST_SIZE, settings.maxHeaderListSize()};
    }

    @Override
    int highestStreamId() {
      return highest;
    }

    @Override
    void headerBlock(int id, Http2Stream stream, FieldList fields, boolean endStream) {
      if (stream != null) {
        trailers(stream, fields, endStream);
        return;
      }
      if (id % 2 == 0 || id <= highest) {
        connectionError(id <= highest ? Frames.STREAM_CLOSED : Frames.PROTOCOL_ERROR,
            "HEADERS opening stream " + id + " (the last one opened was " + highest + ")");
        return;
      }
      highest = id;
      if (goingAway || openStreams >= settings.maxConcurrentStreams()) {
        Frames.rstStream(output(), id, Frames.REFUSED_STREAM);
        return;
      }
      stream = new Http2Stream(id, peerInitialWindow, settings.streamWindow());
      streams.put(id, stream);
      openStreams++;
      if (endStream) {
        endedWithHead(stream);
      }
      if (fields.tooLarge()) {
        stream.discarding = true;
        writeHead(stream, new String[] {":status", StatusCodes.text(HEADER_FIELDS_TOO_LARGE)}, new Headers(), -1, true);
        return;
      }
      String malformed = RequestFieldRules.request(fields);
      if (malformed != null) {
        log.debug("HTTP/2 stream {}: malformed request refused: {}", id, malformed);
        resetStream(stream, Frames.PROTOCOL_ERROR, "malformed: " + malformed);
        return;
      }
      Request request = request(fields);
      if (!declareLength(stream, request.headers())) {
        resetStream(stream, Frames.PROTOCOL_ERROR, "malformed: content-length '" + request.headers().get(CONTENT_LENGTH) + "'");
        return;
      }
      stream.headRequest = request.isHead();
      completeHead(stream, request);
    }

    private void trailers(Http2Stream stream, FieldList fields, boolean endStream) {
      if (stream.remoteEnded) {
        resetStream(stream, Frames.STREAM_CLOSED, "HEADERS after the request's end");
        return;
      }
      String malformed = !endStream ? "trailers without END_STREAM" : fields.tooLarge() ? "trailers past the size limit"
          : RequestFieldRules.trailers(fields);
      if (malformed != null) {
        resetStream(stream, Frames.PROTOCOL_ERROR, "malformed: " + malformed);
        return;
      }
      Headers trailers = new Headers();
      for (int i = 0; i < fields.size(); i++) {
        trailers.add(fields.name(i), fields.value(i));
      }
      trailersArrived(stream, trailers);
    }

    private Request request(FieldList fields) {
      String method = null;
      String path = null;
      String authority = null;
      String scheme = null;
      Headers headers = new Headers();
      for (int i = 0; i < fields.size(); i++) {
        String name = fields.name(i);
        String value = fields.value(i);
        switch (name) {
          case ":method" -> method = value;
          case ":path" -> path = value;
          case ":authority" -> authority = value;
          case ":scheme" -> scheme = value;
          default -> headers.add(name, value);
        }
      }
      if (authority == null) {
        authority = headers.get("host");
      }
      Request request = new Request(method, path == null ? authority : path, authority == null ? "" : authority,
          HttpVersion.HTTP_2, headers, Body.EMPTY);
      return scheme == null ? request : request.scheme(scheme);
    }

    @Override
    void handOver(Http2Stream stream, Message message) {
      Request request = (Request) message;
      CompletionStage<Response> answer;
      try {
        answer = service.call(request);
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      CompletableFuture<Response> future = answer.toCompletableFuture();
      if (future.isDone()) {
        answer(new Answer(stream, request, future.getNow(null), future.isCompletedExceptionally() ? failure(future) : null));
      } else {
        Materializer materializer = materializer();
        answer.whenComplete((response, error) ->
            Bodies.handTo(answered, new Answer(stream, request, response, error), response, materializer));
      }
    }

    private Throwable failure(CompletableFuture<Response> future) {
      try {
        future.join();
        return null;
      } catch (RuntimeException e) {
        return e;
      }
    }

    private void answer(Answer answer) {
      Http2Stream stream = answer.stream();
      Response response = answer.response();
      if (response == null) {
        log.warn("HTTP/2 stream {}: {} failed without an answer", stream.id, answer.request(), answer.error());
        response = ProxyResponses.error(ProxyError.UNEXPECTED, answer.request());
      }
      if (stream.closed) {
        Bodies.discard(response.body(), subFusingMaterializer());
        return;
      }
      int status = response.status();
      boolean noBody = stream.headRequest || status == 204 || status == 304;
      Body body = response.body();
      if (noBody) {
        Bodies.discard(body, subFusingMaterializer());
        body = Body.EMPTY;
      }
      writeMessage(stream, new String[] {":status", StatusCodes.text(status)}, response.headers(), body,
          noBody ? null : response.trailers());
    }

    @Override
    void localEnded(Http2Stream stream) {
      if (stream.bodyOut == null && !stream.remoteEnded) {
        // Answered while the request still comes, and nobody reads it: the client may stop (§8.1).
        resetStream(stream, Frames.NO_ERROR, "answered before its request ended");
      }
    }

    @Override
    void readerLeft(Http2Stream stream) {
      if (stream.localEnded) {
        resetStream(stream, Frames.NO_ERROR, "answered, and its request's reader stopped");
      }
    }

    @Override
    void streamClosed(Http2Stream stream, Throwable cause) {}

    @Override
    void connectionEnding(Throwable cause) {}

    @Override
    void goawayReceived(int lastStream, int code) {}
  }
}
