package io.weft.proxy.tap;

import io.linkerd.proxy.tap.TapEvent;
import io.weft.streams.http.Response;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * One {@code Observe} call: its match, how many requests it may still take, and its bounded queue
 * of events. The proxy never waits on it: an event that finds the queue full is dropped and
 * counted (a tap client that stops reading loses events, never slows traffic). Once the limit's
 * requests are taken and each has ended, the stream ends.
 */
final class TapSession {
  private final int base;
  private final TapMatch match;
  private final int limit;
  private final boolean headers;
  private final BoundedSourceQueue<TapEvent> queue;
  private final Runnable dropped;
  private final LongSupplier clock;
  private final AtomicInteger taken = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicBoolean finished = new AtomicBoolean();

  TapSession(int base, TapMatch match, int limit, boolean headers, BoundedSourceQueue<TapEvent> queue, Runnable dropped,
             LongSupplier clock) {
    this.base = base;
    this.match = match;
    this.limit = limit;
    this.headers = headers;
    this.queue = queue;
    this.dropped = dropped;
    this.clock = clock;
  }

  /** Takes {@code tapped} if it matches and the limit allows (its request-init event sent), else null. */
  Tapping tap(TappedRequest tapped, TapEvent.ProxyDirection direction, java.util.Map<String, String> sourceLabels) {
    if (finished.get() || !match.matches(tapped)) {
      return null;
    }
    int stream;
    do {
      stream = taken.get();
      if (stream >= limit) {
        return null;
      }
    } while (!taken.compareAndSet(stream, stream + 1));
    open.incrementAndGet();
    TapEvent base = TapEvents.base(direction, tapped, sourceLabels);
    Tapping tapping = new Tapping(base, TapEvents.id(this.base, stream), clock.getAsLong());
    if (!offer(TapEvents.requestInit(base, tapping.id, tapped.request(), headers))) {
      ended(); // as Linkerd's: a request whose first event could not be queued is not followed
      return null;
    }
    return tapping;
  }

  private boolean offer(TapEvent event) {
    QueueOfferResult result = queue.offer(event);
    if (result == QueueOfferResult.enqueued()) {
      return true;
    }
    if (result == QueueOfferResult.dropped()) {
      dropped.run();
    }
    return false;
  }

  private void ended() {
    if (open.decrementAndGet() == 0 && taken.get() >= limit) {
      finish();
    }
  }

  /** Ends the stream (its client went away, or all its requests are done). */
  void finish() {
    if (finished.compareAndSet(false, true)) {
      queue.complete();
    }
  }

  /** One request this session follows to the end of its response. */
  final class Tapping {
    private final TapEvent base;
    private final TapEvent.Http.StreamId id;
    private final long requested;
    private volatile long responded = -1;
    private volatile Integer headStatus;

    private Tapping(TapEvent base, TapEvent.Http.StreamId id, long requested) {
      this.base = base;
      this.id = id;
      this.requested = requested;
    }

    void responded(Response response) {
      responded = clock.getAsLong();
      headStatus = TapEvents.grpcStatus(response.headers());
      offer(TapEvents.responseInit(base, id, response, responded - requested, headers));
    }

    /** The response's body ended ({@code failure} null) or failed; or no response came ({@link #responded} not called). */
    void ended(long bytes, io.weft.streams.http.Headers trailers, Throwable failure) {
      long now = clock.getAsLong();
      Integer trailerStatus = TapEvents.grpcStatus(trailers);
      offer(TapEvents.responseEnd(base, id, now - requested, responded < 0 ? -1 : now - responded, bytes,
          trailerStatus != null ? trailerStatus : headStatus, trailers, headers));
      TapSession.this.ended();
    }
  }

  @Override
  public String toString() {
    return "tap " + base + " (" + taken.get() + "/" + limit + " taken, " + open.get() + " open)";
  }
}
