package io.weft.k8s;

import io.weft.k8s.model.ClusterEvent;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;

import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * Lets a backend's watch threads feed a stream with backpressure: {@link #publish} blocks the
 * calling watch thread while the stream is behind, so memory stays bounded by the buffer.
 */
public final class EventPublisher {
  private final SourceQueueWithComplete<ClusterEvent> queue;

  private EventPublisher(SourceQueueWithComplete<ClusterEvent> queue) {
    this.queue = queue;
  }

  /**
   * A source whose materialization hands a publisher to {@code start}; {@code onCancel} runs when
   * the stream ends. {@code producers} is how many threads publish at once.
   */
  public static Source<ClusterEvent, NotUsed> source(int buffer, int producers, Consumer<EventPublisher> start, Runnable onCancel) {
    return Source.<ClusterEvent>queue(buffer, OverflowStrategy.backpressure(), producers)
        .mapMaterializedValue(q -> {
          q.watchCompletion().whenComplete((done, error) -> onCancel.run());
          start.accept(new EventPublisher(q));
          return NotUsed.notUsed();
        });
  }

  /** False once the stream has ended; the caller should then stop watching. */
  public boolean publish(ClusterEvent event) throws InterruptedException {
    try {
      QueueOfferResult result = queue.offer(event).toCompletableFuture().get();
      return result == QueueOfferResult.enqueued();
    } catch (ExecutionException e) {
      return false; // the stream failed or was cancelled
    }
  }

  public boolean publishAll(Iterable<ClusterEvent> events) throws InterruptedException {
    for (ClusterEvent e : events) {
      if (!publish(e)) {
        return false;
      }
    }
    return true;
  }
}
