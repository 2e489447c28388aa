package io.weft.streams.tcp;

import org.apache.pekko.util.ByteString;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Queue;

/**
 * The bytes a stage on an event loop collects in one turn, to pass on after the turn in one piece:
 * the turn's first bytes go at once ({@link #awaitTurnEnd} says they went), what follows in the
 * same turn is {@link #add}ed here, and the stage's {@code flush} runs once after the turn
 * ({@link EventLoop#afterTurn}). {@link TcpStage} writes a turn's bytes in one gathering write;
 * the TLS stage wraps them in as few records as fit. The stage's own, on its loop's thread.
 */
public final class TurnBatch {
  private final EventLoop loop;
  private final Runnable turnEnded;
  private final ArrayDeque<ByteString> pieces = new ArrayDeque<>();
  private int bytes;
  private boolean turnAwaited;

  /** {@code flush} runs after each turn in which {@link #awaitTurnEnd} was called. */
  public TurnBatch(EventLoop loop, Runnable flush) {
    this.loop = loop;
    this.turnEnded = () -> {
      turnAwaited = false;
      flush.run();
    };
  }

  /** Bytes went (or were collected) in this turn: the flush runs once the turn is over. */
  public void awaitTurnEnd() {
    if (!turnAwaited) {
      turnAwaited = true;
      loop.afterTurn(turnEnded);
    }
  }

  /** Bytes already went in this turn: what comes now waits for its end. */
  public boolean turnAwaited() {
    return turnAwaited;
  }

  public void add(ByteString piece) {
    pieces.add(piece);
    bytes += piece.size();
  }

  public boolean isEmpty() {
    return pieces.isEmpty();
  }

  /** How many bytes are collected: past its limit, a stage takes no more until they are passed on. */
  public int bytes() {
    return bytes;
  }

  /** What is collected, as one piece; the batch is empty after. */
  public ByteString drain() {
    bytes = 0;
    return drain(pieces);
  }

  /** The pieces of {@code queue}, taken out, as one piece (a rope: nothing is copied). */
  public static ByteString drain(Queue<ByteString> queue) {
    ByteString all = ByteString.emptyByteString();
    ByteString next;
    while ((next = queue.poll()) != null) {
      all = all.concat(next);
    }
    return all;
  }

  /** What is collected, as buffers for one gathering write; the batch is empty after. */
  public ByteBuffer[] drainBuffers() {
    ByteBuffer[] buffers = new ByteBuffer[pieces.size()];
    for (int i = 0; !pieces.isEmpty(); i++) {
      buffers[i] = pieces.poll().asByteBuffer();
    }
    bytes = 0;
    return buffers;
  }
}
