package io.weft.streams.tcp;

import org.apache.pekko.Done;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.GraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.InHandler;
import org.apache.pekko.stream.stage.OutHandler;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;
import scala.Tuple2;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A TCP connection as a flow of bytes, on an {@link EventLoop} rather than Pekko IO's actors:
 * bytes pushed in are written straight from the stage (only a full socket buffer waits for the
 * selector; on its own loop, what follows a turn's first write is collected and written after the
 * turn, in one call), bytes read arrive as one message each. Half-close aware: the end of the input shuts
 * the socket's output down and the peer's end completes the output; the socket closes once both
 * are over. A failure on either side resets the connection. Materializes into the connection's
 * addresses once connected.
 */
public final class TcpStage extends GraphStageWithMaterializedValue<FlowShape<ByteString, ByteString>, CompletionStage<TcpStage.Connected>> {
  /** The two ends of a connection. */
  public record Connected(InetSocketAddress local, InetSocketAddress remote) {}

  private static final String CONNECT_TIMER = "connect";

  private final Inlet<ByteString> in = Inlet.create("TcpStage.in");
  private final Outlet<ByteString> out = Outlet.create("TcpStage.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final EventLoops loops;
  private final SocketChannel accepted;
  private final InetSocketAddress target;
  private final Duration connectTimeout;
  private final Consumer<SocketChannel> configure;
  private final Runnable whenClosed;

  private TcpStage(EventLoops loops, SocketChannel accepted, InetSocketAddress target, Duration connectTimeout,
                   Consumer<SocketChannel> configure, Runnable whenClosed) {
    this.loops = loops;
    this.accepted = accepted;
    this.target = target;
    this.connectTimeout = connectTimeout;
    this.configure = configure;
    this.whenClosed = whenClosed;
  }

  /**
   * A new connection to {@code target}, given up with a {@link ConnectException} after
   * {@code timeout}; {@code configure} sets its socket options once connected.
   */
  public static Flow<ByteString, ByteString, CompletionStage<Connected>> outgoing(EventLoops loops, InetSocketAddress target,
                                                                                Duration timeout, Consumer<SocketChannel> configure) {
    return Flow.fromGraph(new TcpStage(loops, null, target, timeout, configure, () -> {}));
  }

  /** A connection a listener accepted (non-blocking, its options set). */
  public static Flow<ByteString, ByteString, CompletionStage<Connected>> accepted(EventLoops loops, SocketChannel channel) {
    return accepted(loops, channel, () -> {});
  }

  /**
   * A connection a listener accepted; {@code whenClosed} runs on the loop's thread once its socket is
   * closed (after the bytes written went out, unless it was reset).
   */
  public static Flow<ByteString, ByteString, CompletionStage<Connected>> accepted(EventLoops loops, SocketChannel channel,
                                                                                Runnable whenClosed) {
    return Flow.fromGraph(new TcpStage(loops, channel, null, Duration.ZERO, c -> {}, whenClosed));
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public Tuple2<GraphStageLogic, CompletionStage<Connected>> createLogicAndMaterializedValue(Attributes attributes) {
    Logic logic = new Logic();
    return Tuple2.apply(logic, logic.connected);
  }

  private final class Logic extends TimerGraphStageLogic implements InHandler, OutHandler {
    private final CompletableFuture<Connected> connected = new CompletableFuture<>();
    /** The loop the graph runs on when it runs on one (set in preStart, on the graph's thread), else the next. */
    private EventLoop loop;
    /**
     * When the graph runs on its connection's loop: the first bytes pushed in a turn are written
     * at once, the rest of the turn's are collected and written after it, in one call
     * ({@link #flushTurn}). Else (null) each push is written at once.
     */
    private TurnBatch batch;
    /** The stage took a push without pulling again: the batch is full, or bytes wait for the socket. */
    private boolean holding;
    private final Io io = new Io();
    /** Bytes read and not yet passed on, as one piece: a consumer that lags gets them in one push. */
    private ByteString received = ByteString.emptyByteString();
    private final AsyncCallback<Done> onRead = createAsyncCallback(done -> read());
    private final AsyncCallback<Done> onEnd = createAsyncCallback(done -> ended());
    private final AsyncCallback<Done> onWritable = createAsyncCallback(done -> writePending());
    private final AsyncCallback<Done> onConnect = createAsyncCallback(done -> established());
    private final AsyncCallback<IOException> onFailure = createAsyncCallback(this::failed);
    private SocketChannel channel;
    private ByteBuffer pending;
    private boolean inputEnded;
    /** No more bytes will be pushed: once what is collected is written, the output shuts. */
    private boolean inputFinished;
    private boolean outputShut;
    private boolean outDone;
    private boolean closed;

    Logic() {
      super(shape);
      setHandlers(in, out, this);
    }

    @Override
    public void preStart() {
      setKeepGoing(true);
      loop = loops.current();
      if (loop != null) {
        batch = new TurnBatch(loop, this::flushTurn);
      } else {
        loop = loops.next();
      }
      if (accepted != null) {
        channel = accepted;
        loop.register(channel, SelectionKey.OP_READ, io, io::registered);
        connected.complete(addresses());
        pull(in);
        return;
      }
      try {
        channel = SocketChannel.open();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        // A name (rare: the proxy dials addresses) is looked up here, as Pekko IO did.
        InetSocketAddress resolved = target.isUnresolved() ? new InetSocketAddress(target.getHostString(), target.getPort()) : target;
        if (resolved.isUnresolved()) {
          throw new ConnectException("cannot resolve " + target.getHostString());
        }
        if (channel.connect(resolved)) {
          loop.register(channel, SelectionKey.OP_READ, io, io::registered);
          established();
        } else {
          loop.register(channel, SelectionKey.OP_CONNECT, io, io::registered);
          scheduleOnce(CONNECT_TIMER, connectTimeout);
        }
      } catch (IOException e) {
        failed(e);
      }
    }

    private Connected addresses() {
      try {
        return new Connected((InetSocketAddress) channel.getLocalAddress(), (InetSocketAddress) channel.getRemoteAddress());
      } catch (IOException e) {
        return new Connected(null, target);
      }
    }

    private void established() {
      cancelTimer(CONNECT_TIMER);
      configure.accept(channel);
      connected.complete(addresses());
      if (isClosed(in)) {
        shutOutput();
      } else if (!hasBeenPulled(in)) {
        pull(in);
      }
    }

    @Override
    public void onTimer(Object key) {
      failed(new ConnectException("connecting to " + target + " timed out after " + connectTimeout.toMillis() + " ms"));
    }

    /** Takes what the loop has read since the last time. */
    private void read() {
      ByteString bytes = io.inbox.getAndSet(null);
      if (bytes == null) {
        return;
      }
      if (outDone) {
        io.release(bytes.size());
        return;
      }
      received = received.isEmpty() ? bytes : received.concat(bytes);
      if (isAvailable(out)) {
        onPull();
      }
    }

    @Override
    public void onPull() {
      if (!received.isEmpty()) {
        ByteString next = received;
        received = ByteString.emptyByteString();
        push(out, next);
        io.release(next.size());
      } else if (inputEnded) {
        completeOut();
      }
    }

    private void ended() {
      read(); // bytes read before the end are passed on first
      inputEnded = true;
      if (received.isEmpty() && !outDone) {
        completeOut();
      }
    }

    private void completeOut() {
      complete(out);
      outDone = true;
      closeWhenDone();
    }

    @Override
    public void onDownstreamFinish(Throwable cause) {
      outDone = true;
      received = ByteString.emptyByteString();
      loop.execute(io::stopReading);
      closeWhenDone();
    }

    @Override
    public void onPush() {
      ByteString bytes = grab(in);
      if (batch == null || (!batch.turnAwaited() && pending == null)) {
        // The turn's first bytes go at once (an HTTP/1 exchange has only these); what follows in
        // the same turn is collected and written after it.
        if (batch != null) {
          batch.awaitTurnEnd();
        }
        pending = bytes.asByteBuffer();
        writePending();
        return;
      }
      batch.add(bytes);
      batch.awaitTurnEnd();
      holding = pending != null || batch.bytes() >= loops.writeBatch();
      if (!holding) {
        pull(in);
      }
    }

    /**
     * After the loop's turn, on its thread (the graph's own, which is not running now): writes the
     * turn's bytes in one call. What the socket did not take waits for it to be writable; a graph
     * that stopped taking bytes, or whose input ended meanwhile, hears that they went.
     */
    private void flushTurn() {
      if (batch.isEmpty() || closed || pending != null) {
        return; // bytes still waiting for the socket go first: writePending queues this again
      }
      ByteBuffer[] buffers = batch.drainBuffers();
      try {
        channel.write(buffers);
      } catch (IOException e) {
        onFailure.invoke(e);
        return;
      }
      int left = 0;
      for (ByteBuffer buffer : buffers) {
        left += buffer.remaining();
      }
      if (left > 0) {
        ByteBuffer rest = ByteBuffer.allocate(left);
        for (ByteBuffer buffer : buffers) {
          rest.put(buffer);
        }
        pending = rest.flip();
        io.awaitWritable();
      } else if (holding || inputFinished) {
        onWritable.invoke(Done.done());
      }
    }

    private void writePending() {
      if (pending != null) {
        try {
          while (pending.hasRemaining()) {
            if (channel.write(pending) == 0) {
              loop.execute(io::awaitWritable);
              return;
            }
          }
        } catch (IOException e) {
          failed(e);
          return;
        }
        pending = null;
      }
      if (batch != null && !batch.isEmpty()) {
        batch.awaitTurnEnd(); // they follow what was pending, and the flush says so if the graph waits
        return;
      }
      holding = false;
      if (isClosed(in)) {
        shutOutput();
      } else if (!hasBeenPulled(in)) {
        pull(in);
      }
    }

    @Override
    public void onUpstreamFinish() {
      inputFinished = true;
      if (pending == null && (batch == null || batch.isEmpty()) && connected.isDone()) {
        shutOutput();
      }
    }

    @Override
    public void onUpstreamFailure(Throwable cause) {
      abort();
      failStage(cause);
    }

    private void shutOutput() {
      if (!outputShut) {
        outputShut = true;
        try {
          channel.shutdownOutput();
        } catch (IOException e) {
          // the peer is gone; closing follows
        }
      }
      closeWhenDone();
    }

    private void closeWhenDone() {
      if (outDone && outputShut) {
        close(false);
        completeStage();
      }
    }

    private void failed(IOException error) {
      connected.completeExceptionally(error);
      abort();
      failStage(error);
    }

    private void abort() {
      close(true);
    }

    /** Closes the channel on its loop; {@code reset}: with an RST, not a FIN. */
    private void close(boolean reset) {
      if (closed || channel == null) {
        return;
      }
      closed = true;
      SocketChannel c = channel;
      loop.execute(() -> io.close(c, reset));
    }

    @Override
    public void postStop() {
      if (!connected.isDone()) {
        connected.completeExceptionally(new ConnectException("the connection to " + target + " was given up"));
      }
      close(true);
    }

    /** The loop thread's side of the connection. */
    private final class Io implements EventLoop.Handler {
      private final AtomicLong unconsumed = new AtomicLong();
      /** Read by the loop, not yet taken by the stage; the stage is told only when it was empty. */
      private final AtomicReference<ByteString> inbox = new AtomicReference<>();
      private SelectionKey key;
      private boolean reading = true;

      void registered(SelectionKey key) {
        this.key = key;
      }

      @Override
      public void ready(SelectionKey key) {
        int ready = key.readyOps();
        if ((ready & SelectionKey.OP_CONNECT) != 0) {
          try {
            channel.finishConnect();
            key.interestOps(SelectionKey.OP_READ);
            onConnect.invoke(Done.done());
          } catch (IOException e) {
            // A failed connect closes the channel, and so cancels its key.
            onFailure.invoke(e);
          }
          return;
        }
        if ((ready & SelectionKey.OP_WRITE) != 0) {
          key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
          onWritable.invoke(Done.done());
        }
        if ((ready & SelectionKey.OP_READ) != 0) {
          read(key);
        }
      }

      private void read(SelectionKey key) {
        ByteBuffer buffer = loop.readBuffer();
        int n;
        try {
          n = channel.read(buffer);
        } catch (IOException e) {
          stopReading();
          onFailure.invoke(e);
          return;
        }
        if (n > 0) {
          byte[] bytes = new byte[n];
          buffer.flip().get(bytes);
          ByteString read = ByteString.fromArrayUnsafe(bytes);
          if (inbox.getAndAccumulate(read, (waiting, more) -> waiting == null ? more : waiting.concat(more)) == null) {
            onRead.invoke(Done.done());
          }
          if (unconsumed.addAndGet(n) >= loops.readHighWater()) {
            key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
          }
        } else if (n < 0) {
          stopReading();
          onEnd.invoke(Done.done());
        }
      }

      /** Bytes the stage passed on; reading resumes when they bring the backlog under the mark. */
      void release(int n) {
        long now = unconsumed.addAndGet(-n);
        if (now < loops.readHighWater() && now + n >= loops.readHighWater()) {
          loop.execute(this::resume);
        }
      }

      private void resume() {
        if (reading && key != null && key.isValid() && unconsumed.get() < loops.readHighWater()) {
          key.interestOps(key.interestOps() | SelectionKey.OP_READ);
        }
      }

      void stopReading() {
        reading = false;
        if (key != null && key.isValid()) {
          key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
        }
      }

      void awaitWritable() {
        if (key != null && key.isValid()) {
          key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
        }
      }

      void close(SocketChannel c, boolean reset) {
        if (key != null) {
          key.cancel();
        }
        try {
          if (reset && c.isConnected()) {
            c.setOption(StandardSocketOptions.SO_LINGER, 0);
          }
          c.close();
        } catch (IOException e) {
          // closing anyway
        }
        whenClosed.run();
      }
    }
  }
}
