package io.weft.streams.tcp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One selector thread. It waits for sockets to become ready and calls their {@link Handler}s, and
 * runs the tasks other threads hand it (registrations, interest changes, closes), which must happen
 * here: a selector's interest set changes only on its next select, so a change made elsewhere
 * would wait for the next readiness. Reads happen on this thread, into {@link #readBuffer()}; the
 * bytes then go to the connection's stage as one message. Where the stream graphs run on the loops
 * themselves ({@link LoopDispatcher}), that message is a task this thread runs after the selection,
 * and no other thread is woken for it.
 */
public final class EventLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventLoop.class);
  private static final ThreadLocal<EventLoop> RUNNING = new ThreadLocal<>();

  /** What a registered channel does when the selector finds it ready; called on the loop's thread. */
  @FunctionalInterface
  public interface Handler {
    void ready(SelectionKey key);
  }

  private final Selector selector;
  private final ByteBuffer readBuffer;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  /** The tasks of the turn being run; the loop's thread's only. */
  private final ArrayDeque<Runnable> turn = new ArrayDeque<>();
  /** What runs once the turn's tasks are done (connections writing what the turn gave them); the loop's thread's only. */
  private final ArrayDeque<Runnable> afterTurn = new ArrayDeque<>();
  /**
   * Accepted connections on their way to the stage that will register them (on this loop or
   * another of the same system's): closed with the loop if they never arrive.
   */
  private final java.util.Set<SelectableChannel> arriving;
  private final Thread thread;
  private volatile boolean running = true;
  /** The loop is in (or about to enter) a blocking select: a task from another thread must wake it. */
  private volatile boolean sleeping;

  /** {@code readBufferSize}: the most one read takes from a socket; {@code arriving}: shared by a system's loops. */
  EventLoop(String name, int readBufferSize, java.util.Set<SelectableChannel> arriving) {
    this.arriving = arriving;
    try {
      selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector for " + name, e);
    }
    readBuffer = ByteBuffer.allocateDirect(readBufferSize);
    thread = Thread.ofPlatform().daemon().name(name).start(this::run);
  }

  /** Runs {@code task} on the loop's thread: now when called there, else after waking the selector. */
  public void execute(Runnable task) {
    if (Thread.currentThread() == thread || !running) {
      task.run(); // after close: the channel it touches is closed already
    } else {
      queue(task);
    }
  }

  /**
   * Runs {@code task} on the loop's thread after what it is doing now (never within the caller,
   * even on the loop's thread): how the stream graphs that run on this loop are scheduled.
   */
  void submit(Runnable task) {
    if (!running) {
      task.run(); // a stopped loop runs nothing: what is left of the system finishes on the caller
    } else if (Thread.currentThread() == thread) {
      tasks.add(task); // run before the next select, which does not block while tasks wait
    } else {
      queue(task);
    }
  }

  /** The loop whose thread calls (whatever system it is of), or null. */
  public static EventLoop ofThisThread() {
    return RUNNING.get();
  }

  /**
   * Runs {@code task} once the tasks of this turn have run, before the loop selects again: a
   * connection's writes of one turn go to its socket in one call. Only from the loop's thread;
   * the task runs there outside every graph, so it may touch the state of a stage that runs on
   * this loop, and re-enters a graph through an async callback.
   */
  public void afterTurn(Runnable task) {
    afterTurn.add(task);
  }

  private void queue(Runnable task) {
    tasks.add(task);
    if (sleeping) {
      selector.wakeup();
    }
  }

  /** Registers {@code channel} for {@code ops}, on the loop's thread; {@code registered} gets its key. */
  public void register(SelectableChannel channel, int ops, Handler handler, java.util.function.Consumer<SelectionKey> registered) {
    execute(() -> {
      arriving.remove(channel);
      try {
        registered.accept(channel.register(selector, ops, handler));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** {@code channel} was accepted and will be registered by its stage; until then the loop closes it if it stops. */
  void arriving(SelectableChannel channel) {
    arriving.add(channel);
    if (!running) {
      closeArriving();
    }
  }

  /**
   * Closes {@code key}'s channel now, on the loop's thread. A channel closed while registered is
   * only closed for real once its key leaves the selector, on the next selection: this makes that
   * selection at once, so a closed listener refuses connections as soon as this returns.
   */
  void closeNow(SelectionKey key) throws IOException {
    key.cancel();
    try {
      key.channel().close();
    } finally {
      selector.selectNow(this::dispatch);
    }
  }

  /** The loop's read buffer, cleared; only for use on the loop's thread, within one handler call. */
  ByteBuffer readBuffer() {
    return readBuffer.clear();
  }

  private void run() {
    RUNNING.set(this);
    while (running) {
      runTasks();
      runAfterTurn();
      try {
        // A task queued from another thread after this check sees sleeping and wakes the select;
        // one queued before it is seen here (both are volatile).
        sleeping = true;
        if (tasks.isEmpty()) {
          selector.select(this::dispatch);
        } else {
          selector.selectNow(this::dispatch);
        }
        sleeping = false;
      } catch (IOException | ClosedSelectorException e) {
        if (running) {
          log.error("event loop {} stopped: its selector failed: {}", thread.getName(), e.toString());
        }
        return;
      }
    }
    while (!tasks.isEmpty() || !afterTurn.isEmpty()) {
      runTasks();
      runAfterTurn();
    }
    closeArriving();
    // What is still registered closes with the loop: a peer sees the connection end rather than
    // wait on it, and a listener stops taking connections nobody would serve.
    for (SelectionKey key : selector.keys()) {
      try {
        key.channel().close();
      } catch (IOException e) {
        log.debug("closing a channel of {}: {}", thread.getName(), e.toString());
      }
    }
    try {
      selector.close();
    } catch (IOException e) {
      log.debug("closing the selector of {}: {}", thread.getName(), e.toString());
    }
  }

  private void closeArriving() {
    for (SelectableChannel channel : arriving) {
      arriving.remove(channel);
      try {
        channel.close();
      } catch (IOException e) {
        log.debug("closing an accepted channel of {}: {}", thread.getName(), e.toString());
      }
    }
  }

  private void runTasks() {
    // One turn runs what was queued before it: a task queued meanwhile (a graph scheduling itself
    // again) waits for the next, so busy graphs cannot keep the loop from its sockets.
    Runnable task;
    while ((task = tasks.poll()) != null) {
      turn.add(task);
    }
    while ((task = turn.poll()) != null) {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.warn("event loop {}: a task failed: {}", thread.getName(), e.toString());
      }
    }
  }

  private void runAfterTurn() {
    Runnable task;
    while ((task = afterTurn.poll()) != null) {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.warn("event loop {}: a task after the turn failed: {}", thread.getName(), e.toString());
      }
    }
  }

  private void dispatch(SelectionKey key) {
    try {
      ((Handler) key.attachment()).ready(key);
    } catch (RuntimeException e) {
      log.warn("event loop {}: a handler failed: {}", thread.getName(), e.toString());
    }
  }

  @Override
  public void close() {
    running = false;
    selector.wakeup();
  }
}
