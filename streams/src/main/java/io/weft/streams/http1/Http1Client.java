package io.weft.streams.http1;

import io.weft.streams.http.Body;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.stage.Handoff;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.GraphStageWithMaterializedValue;
import org.apache.pekko.util.ByteString;
import scala.Tuple2;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The client side of an HTTP/1 connection: joined to a connection's bytes (TCP, or mesh TLS to a
 * peer proxy), it materializes an {@link Http1Connection} that sends one request at a time and
 * completes each with its response as soon as the response's head has arrived. Informational
 * responses (1xx other than 101) are skipped; a 101 turns the connection into a tunnel; a
 * connection idle for {@code idleTimeout} closes itself.
 */
public final class Http1Client extends GraphStageWithMaterializedValue<FlowShape<ByteString, ByteString>, Http1Connection> {
  private static final String IDLE_TIMER = "idle";
  private static final String LIFETIME_TIMER = "lifetime";

  private final Inlet<ByteString> in = Inlet.create("Http1Client.in");
  private final Outlet<ByteString> out = Outlet.create("Http1Client.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final Http1Limits limits;
  private final Http1Pool.Settings settings;
  private final Http1Connection.Listener listener;

  public Http1Client(Http1Pool.Settings settings, Http1Connection.Listener listener) {
    this.limits = settings.limits();
    this.settings = settings;
    this.listener = listener;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public Tuple2<GraphStageLogic, Http1Connection> createLogicAndMaterializedValue(Attributes attributes) {
    Logic logic = new Logic();
    return Tuple2.apply(logic, logic.handle);
  }

  private final class Logic extends Http1ConnectionLogic {
    private final Http1Parser parser = new Http1Parser(limits);
    private final AsyncCallback<Pair<Request, CompletableFuture<Response>>> submitted =
        createAsyncCallback(p -> submit(p.first(), p.second()));
    private volatile boolean open = true;
    private final Handle handle = new Handle();

    private Request request;
    private CompletableFuture<Response> response;
    private boolean requestWritten;
    private boolean responseRead;
    private boolean closeAfter;
    private boolean tunnel;
    private long idleSince;

    Logic() {
      super(shape, Http1Client.this.in, Http1Client.this.out, Http1Client.this.limits, 502);
    }

    private final class Handle implements Http1Connection {
      @Override
      public CompletionStage<Response> send(Request r) {
        CompletableFuture<Response> answer = new CompletableFuture<>();
        Handoff.invoke(submitted, Pair.create(r, answer), stopped ->
            answer.completeExceptionally(new ConnectionClosedException("the connection closed before the request", false, stopped)));
        return answer;
      }

      @Override
      public boolean open() {
        return open;
      }
    }

    /** Past its lifetime: it takes no further request. */
    private boolean expired;

    @Override
    public void preStart() {
      settings.lifetime().ifPresent(lifetime -> scheduleOnce(LIFETIME_TIMER, lifetime));
      pullIn();
    }

    private void submit(Request r, CompletableFuture<Response> answer) {
      if (request != null || !open || inputClosed) {
        answer.completeExceptionally(new ConnectionClosedException(request != null ? "the connection is busy"
            : "the connection closed before the request", false, null));
        return;
      }
      request = r;
      response = answer;
      requestWritten = false;
      responseRead = false;
      closeAfter = false;
      tunnel = false;
      Body body = r.body();
      Framing framing = switch (body) {
        case Body.Empty e -> Framing.NONE;
        case Body.Strict s -> Framing.length(s.bytes().size());
        case Body.Streamed s -> s.length() >= 0 ? Framing.length(s.length()) : Framing.CHUNKED;
        case Body.Tunnel t -> Framing.TUNNEL;
      };
      writeMessage(Http1Renderer.requestHead(r, framing), body, framing);
      onHeadBytes();
    }

    @Override
    void onHeadBytes() {
      if (readingBody()) {
        return;
      }
      if (request == null || response.isDone()) {
        if (!buffer.isEmpty()) {
          // Bytes nobody asked for (a server's parting 408, or garbage): this connection cannot be trusted with another request.
          shut();
        } else {
          pullIn();
        }
        return;
      }
      while (true) {
        Http1Parser.Head<Response> head;
        try {
          head = parser.response(buffer, request.isHead());
        } catch (MalformedHttpException e) {
          response.completeExceptionally(e);
          shut();
          return;
        }
        if (head == null) {
          pullIn();
          return;
        }
        buffer = buffer.drop(head.length());
        int status = head.message().status();
        if (status >= 100 && status < 200 && status != 101) {
          continue; // informational: the final response follows
        }
        closeAfter = head.close();
        if (status == 101 && request.body() instanceof Body.Tunnel) {
          tunnel = true;
        }
        Framing framing = status == 101 && !tunnel ? Framing.UNTIL_CLOSE : head.framing();
        Body body = startBody(framing);
        if (tunnel) {
          openTunnel();
        }
        responseRead = !readingBody();
        CompletableFuture<Response> answer = response;
        Response result = head.message().body(body);
        if (reusable()) {
          // Idle before the caller hears: its next request, sent from the completion, finds this connection.
          idle();
          answer.complete(result);
        } else {
          answer.complete(result);
          maybeIdle();
        }
        return;
      }
    }

    @Override
    void bodyRead() {
      responseRead = true;
      maybeIdle();
    }

    @Override
    void messageWritten() {
      requestWritten = true;
      maybeIdle();
    }

    private boolean reusable() {
      return requestWritten && responseRead && !closeAfter && !tunnel && !expired && buffer.isEmpty();
    }

    private void maybeIdle() {
      if (request == null || !requestWritten || !responseRead) {
        return;
      }
      if (reusable()) {
        idle();
      } else {
        shut();
      }
    }

    private void idle() {
      request = null;
      response = null;
      idleSince = System.nanoTime();
      // One timer for the connection's life, not one per exchange: when it fires it checks how
      // long the connection has really been idle and waits again for the rest.
      if (!isTimerActive(IDLE_TIMER)) {
        scheduleOnce(IDLE_TIMER, settings.idleTimeout());
      }
      listener.idle(handle);
    }

    @Override
    public void onTimer(Object key) {
      if (LIFETIME_TIMER.equals(key)) {
        expired = true;
        closeIfIdle();
        return;
      }
      java.time.Duration idleFor = java.time.Duration.ofNanos(System.nanoTime() - idleSince);
      if (request == null && idleFor.compareTo(settings.idleTimeout()) >= 0) {
        shut();
      } else {
        scheduleOnce(IDLE_TIMER, request == null ? settings.idleTimeout().minus(idleFor) : settings.idleTimeout());
      }
    }

    private void closeIfIdle() {
      if (request == null) {
        shut();
      }
    }

    @Override
    void inputFinished() {
      if (request != null && !response.isDone()) {
        response.completeExceptionally(new ConnectionClosedException("the connection closed before the response", true, null));
      }
      if (request == null || !readingBody()) {
        shut();
      }
    }

    @Override
    void inputFailed(Throwable cause) {
      if (request != null && !response.isDone()) {
        response.completeExceptionally(cause);
      }
      shut();
    }

    @Override
    void outputClosed(Throwable cause) {
      if (cause != null) {
        inputFailed(cause);
      } else if (request == null || response.isDone()) {
        shut();
      }
      // Otherwise the way in says how the exchange ended: TLS stops taking bytes first and fails
      // the way in with the reason (a refused certificate) right after.
    }

    @Override
    void bodyWriteFailed(Throwable cause) {
      // The request's body broke off (its client went away): the server must not take it as whole.
      if (request != null && !response.isDone()) {
        response.completeExceptionally(cause);
      }
      shut();
    }

    private void shut() {
      open = false;
      completeStage();
    }

    @Override
    public void postStop() {
      open = false;
      super.postStop();
      if (response != null && !response.isDone()) {
        response.completeExceptionally(new ConnectionClosedException("the connection closed before the response", true, null));
      }
      listener.closed(handle);
    }
  }
}
