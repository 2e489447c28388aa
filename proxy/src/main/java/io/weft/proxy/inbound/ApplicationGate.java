package io.weft.proxy.inbound;

import io.weft.proxy.config.ProxyConfig;
import io.weft.proxy.http.ConnectFailures;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.queue.FailfastLayer;
import io.weft.streams.queue.FailfastQueue;
import io.weft.streams.queue.SchedulerTimer;
import io.weft.streams.service.Failures;
import io.weft.streams.service.Layer;
import io.weft.streams.service.Service;
import org.apache.pekko.actor.typed.ActorSystem;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The queue in front of one application port. The port is ready until a connection to it is
 * refused; then requests wait (up to the queue's capacity) while the gate probes the port with a
 * doubling backoff, and fail fast once the inbound failfast timeout (1 s by default) has passed,
 * until a probe connects again: an application that is restarting costs a short wait, not errors.
 * As a layer, a request the application refused to connect for (so it saw nothing of it) waits
 * for the port again.
 */
final class ApplicationGate implements Layer<Request, Response> {
  private final ActorSystem<?> system;
  private final InetSocketAddress application;
  private final ProxyConfig.Side side;
  private final Duration connectTimeout;
  private final FailfastQueue queue;
  private final AtomicBoolean probing = new AtomicBoolean();

  ApplicationGate(ActorSystem<?> system, InetSocketAddress application, ProxyConfig.Side side, Duration connectTimeout) {
    this.system = system;
    this.application = application;
    this.side = side;
    this.connectTimeout = connectTimeout;
    this.queue = new FailfastQueue(side.queueCapacity(), side.maxInFlight(), side.failfastTimeout(), SchedulerTimer.of(system));
    queue.readiness(true);
  }

  @Override
  public Service<Request, Response> wrap(Service<Request, Response> application) {
    Service<Request, Response> queued = new FailfastLayer(queue).wrap(application);
    return new Service<>() {
      @Override
      public CompletionStage<Response> call(Request request) {
        // The queue's place is released before a refused request queues again.
        return queued.call(request).exceptionallyCompose(error -> {
          Throwable cause = Failures.cause(error);
          if (ConnectFailures.refused(cause) && request.body().replayable()) {
            refused();
            return call(request);
          }
          return CompletableFuture.failedFuture(cause);
        });
      }
    };
  }

  /** A connection to the application was refused: hold requests and probe until it accepts again. */
  private void refused() {
    queue.readiness(false);
    if (probing.compareAndSet(false, true)) {
      probeAfter(side.connectBackoffMin());
    }
  }

  private void probeAfter(Duration delay) {
    system.scheduler().scheduleOnce(delay, () -> Thread.ofVirtual().start(() -> {
      if (accepts()) {
        probing.set(false);
        queue.readiness(true);
      } else {
        Duration next = delay.multipliedBy(2);
        probeAfter(next.compareTo(side.connectBackoffMax()) > 0 ? side.connectBackoffMax() : next);
      }
    }), system.executionContext());
  }

  private boolean accepts() {
    try (Socket probe = new Socket()) {
      probe.connect(application, (int) connectTimeout.toMillis());
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
