package io.weft.streams.http1;

import io.weft.streams.http.Bodies;
import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.ProxyResponses;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.http.ProxyError;
import io.weft.streams.http.StopSignal;
import io.weft.streams.service.Service;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
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

/**
 * The server side of an HTTP/1 connection: requests parsed from the client's bytes go to a
 * {@link Service} one at a time, in order (pipelined requests wait in the socket), and each
 * response is written back as it comes, its body streamed with backpressure. A malformed request
 * is answered with its status (400, 431, 501, 505) and the connection closed; an accepted upgrade
 * (101) turns the connection into a tunnel. Told that its server stops, it closes behind the answer in
 * hand, or at once when it has none.
 */
public final class Http1Server extends GraphStage<FlowShape<ByteString, ByteString>> {
  private static final ByteString CONTINUE = ByteString.fromString("HTTP/1.1 100 Continue\r\n\r\n");

  private final Inlet<ByteString> in = Inlet.create("Http1Server.in");
  private final Outlet<ByteString> out = Outlet.create("Http1Server.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final Service<Request, Response> service;
  private final Http1Limits limits;
  private final StopSignal stop;

  private Http1Server(Service<Request, Response> service, Http1Limits limits, StopSignal stop) {
    this.service = service;
    this.limits = limits;
    this.stop = stop;
  }

  /** The bytes of one client connection, served by {@code service} until the client ends it. */
  public static Flow<ByteString, ByteString, NotUsed> flow(Service<Request, Response> service, Http1Limits limits) {
    return flow(service, limits, StopSignal.NEVER);
  }

  /** The bytes of one client connection, served by {@code service} until the client ends it or {@code stop} says so. */
  public static Flow<ByteString, ByteString, NotUsed> flow(Service<Request, Response> service, Http1Limits limits,
                                                           StopSignal stop) {
    return Flow.fromGraph(new Http1Server(service, limits, stop));
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new Logic();
  }

  private final class Logic extends Http1ConnectionLogic {
    private final Http1Parser parser = new Http1Parser(limits);
    private final AsyncCallback<Pair<Response, Throwable>> responded = createAsyncCallback(r -> respond(r.first(), r.second()));
    private final AsyncCallback<Done> stopped = createAsyncCallback(done -> stop());
    private StopSignal.Subscription stopSubscription;
    private boolean stopping;
    /** The request being served, from its head until its response is written; null between requests. */
    private Http1Parser.Head<Request> current;
    private boolean requestRead;
    private boolean responseStarted;
    private boolean closeAfter;
    private boolean tunnel;

    Logic() {
      super(shape, Http1Server.this.in, Http1Server.this.out, Http1Server.this.limits, 400);
    }

    @Override
    public void preStart() {
      stopSubscription = stop.subscribe(() -> stopped.invoke(Done.done()));
      pullIn();
    }

    @Override
    public void postStop() {
      stopSubscription.close();
      super.postStop();
    }

    /** The server stops: the answer in hand is the connection's last. */
    private void stop() {
      stopping = true;
      if (current == null) {
        closeWhenFlushed();
      } else {
        closeAfter = true;
      }
    }

    @Override
    void onHeadBytes() {
      if (current != null) {
        return; // a pipelined request waits until this one is answered
      }
      Http1Parser.Head<Request> head;
      try {
        head = parser.request(buffer);
      } catch (MalformedHttpException e) {
        refuse(e);
        return;
      }
      if (head == null) {
        if (inputClosed) {
          closeWhenFlushed();
        } else {
          pullIn();
        }
        return;
      }
      buffer = buffer.drop(head.length());
      current = head;
      requestRead = false;
      responseStarted = false;
      closeAfter = head.close();
      tunnel = false;
      Request request = head.message();
      Body body;
      try {
        body = startBody(head.framing());
      } catch (MalformedHttpException e) {
        refuse(e);
        return;
      }
      request.body(body);
      requestRead = !readingBody();
      try {
        Materializer materializer = materializer();
        service.call(request).whenComplete((response, error) ->
            Bodies.handTo(responded, Pair.create(response, error), response, materializer));
      } catch (RuntimeException e) {
        respond(null, e);
      }
    }

    @Override
    void bodyDemanded() {
      // Expect: 100-continue: the client waits for this before sending the body, and the body is wanted now.
      if (current != null && current.expectContinue() && !responseStarted) {
        write(CONTINUE);
      }
    }

    private void respond(Response response, Throwable error) {
      if (current == null) {
        return; // the connection was refused meanwhile
      }
      Request request = current.message();
      if (response == null) {
        response = ProxyResponses.error(ProxyError.UNEXPECTED, request);
      }
      responseStarted = true;
      HttpVersion client = request.version();
      Body body = response.body();
      Framing framing;
      if (response.status() == 101 && current.framing().kind() == Framing.Kind.TUNNEL) {
        framing = Framing.TUNNEL;
        tunnel = true;
      } else {
        if (current.framing().kind() == Framing.Kind.TUNNEL) {
          closeTunnel();
          requestRead = true;
        }
        if (request.isHead() || response.status() == 204 || response.status() == 304 || response.status() < 200) {
          if (request.isHead() && body.length() > 0 && !response.headers().contains("Content-Length")) {
            response.headers().add("Content-Length", Long.toString(body.length()));
          }
          discard(body);
          body = Body.EMPTY;
          framing = Framing.NONE;
        } else if (body.length() >= 0) {
          framing = Framing.length(body.length());
        } else if (client == HttpVersion.HTTP_1_1) {
          framing = Framing.CHUNKED;
        } else {
          framing = Framing.UNTIL_CLOSE;
          closeAfter = true;
        }
      }
      // A client that closed its side gets this answer, and the connection closes after it; so does
      // one whose server is stopping.
      closeAfter |= inputClosed || stopping;
      writeMessage(Http1Renderer.responseHead(response, framing, closeAfter && framing != Framing.TUNNEL, client), body, framing);
      if (tunnel) {
        openTunnel();
      }
    }

    @Override
    void messageWritten() {
      if (tunnel) {
        // The server's side of the tunnel ended: so does the connection.
        closeWhenFlushed();
        return;
      }
      // A request whose body is still coming when its answer is complete ends the connection (no unbounded drain).
      if (closeAfter || !requestRead) {
        closeWhenFlushed();
        return;
      }
      current = null;
      onHeadBytes();
    }

    @Override
    void bodyRead() {
      requestRead = true;
      if (tunnel) {
        closeWhenFlushed(); // the client's side of the tunnel ended
      }
    }

    @Override
    void inputFinished() {
      if (current == null) {
        closeWhenFlushed();
      }
      // Otherwise the response still goes out, then the connection closes (closeAfter).
    }

    @Override
    void inputFailed(Throwable cause) {
      completeStage();
    }

    @Override
    void bodyWriteFailed(Throwable cause) {
      // The head has gone out: closing without the body's end tells the client it is cut short.
      failStage(cause);
    }

    private void refuse(MalformedHttpException e) {
      Response response = new Response(e.status(), null, HttpVersion.HTTP_1_1,
          new Headers().add("content-type", "text/plain; charset=utf-8"), Body.of(ByteString.fromString(e.getMessage() + "\n")));
      current = null;
      tunnel = false;
      closeAfter = true;
      Framing framing = Framing.length(response.body().length());
      writeMessage(Http1Renderer.responseHead(response, framing, true, HttpVersion.HTTP_1_1), response.body(), framing);
    }
  }
}
