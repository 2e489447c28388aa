package io.weft.proxy.http;

import io.weft.streams.http.LastOnConnection;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.service.Service;
import io.weft.streams.stage.Tally;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.util.ByteString;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A proxy's requests and opaque connections in flight, for a graceful stop (SIGTERM, as Linkerd's proxy drains): once
 * {@link #drain} is called, HTTP/1 answers close their connections, and the returned stage completes
 * when the last request in flight has sent its response body — or when the grace period ends. One
 * per actor system, so every server flow of the proxy counts into it.
 */
public final class Drain implements Extension {
  private static final ExtensionId<Drain> ID = new ExtensionId<>() {
    @Override
    public Drain createExtension(ActorSystem<?> system) {
      return new Drain();
    }
  };

  private final AtomicInteger inFlight = new AtomicInteger();
  private final CompletableFuture<Boolean> idle = new CompletableFuture<>();
  private volatile boolean draining;

  private Drain() {}

  public static Drain get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** {@code service}, its requests counted until their response bodies end; {@code http1}: mark answers that end the connection. */
  Service<Request, Response> counting(Service<Request, Response> service, boolean http1) {
    return request -> {
      inFlight.incrementAndGet();
      CompletionStage<Response> answer;
      try {
        answer = service.call(request);
      } catch (RuntimeException e) {
        finished();
        throw e;
      }
      return answer.handle((response, error) -> {
        if (response == null) {
          finished();
          throw error instanceof java.util.concurrent.CompletionException c ? c : new java.util.concurrent.CompletionException(error);
        }
        if (http1 && draining) {
          response.put(LastOnConnection.class, LastOnConnection.INSTANCE);
        }
        BodyWatch.watch(response, (bytes, trailers, failure) -> finished());
        return response;
      });
    };
  }

  /** {@code connection}, counted as in flight until it closes (an opaque relay: its bytes are all the proxy knows). */
  public <M> Flow<ByteString, ByteString, M> counting(Flow<ByteString, ByteString, M> connection) {
    return Flow.<ByteString>create().mapMaterializedValue(notUsed -> {
      inFlight.incrementAndGet();
      return notUsed;
    }).via(Tally.onEnd(failure -> finished())).viaMat(connection, Keep.right());
  }

  private void finished() {
    if (inFlight.decrementAndGet() == 0 && draining) {
      idle.complete(true);
    }
  }

  /** How many requests are in flight now. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Stops keeping HTTP/1 connections open and completes with true once no request is in flight,
   * or with false after {@code grace} with requests still unfinished.
   */
  public CompletionStage<Boolean> drain(Duration grace) {
    draining = true;
    if (inFlight.get() == 0) {
      idle.complete(true);
    }
    return idle.completeOnTimeout(false, grace.toMillis(), TimeUnit.MILLISECONDS);
  }
}
