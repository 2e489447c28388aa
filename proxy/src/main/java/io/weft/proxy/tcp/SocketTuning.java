package io.weft.proxy.tcp;

import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * Linkerd's per-connection TCP settings on a connected channel: keep-alive probes after an idle
 * time ({@code *_KEEPALIVE}), and {@code TCP_USER_TIMEOUT} ({@code *_USER_TIMEOUT}: how long sent
 * data may go unacknowledged before the kernel gives the connection up — a peer that vanished is
 * noticed in seconds rather than the kernel's ~15 minutes of retransmissions). Java has no API for
 * the latter, so it is {@code setsockopt} through the FFM API, as {@link OriginalDestination} reads.
 */
public final class SocketTuning {
  private static final Logger log = LoggerFactory.getLogger(SocketTuning.class);
  private static final int IPPROTO_TCP = 6;
  private static final int TCP_USER_TIMEOUT = 18;
  private static final MethodHandle SETSOCKOPT = Linker.nativeLinker().downcallHandle(
      Linker.nativeLinker().defaultLookup().find("setsockopt").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
          ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

  private SocketTuning() {}

  /** Sets {@code options} on a connected socket. */
  public static void apply(SocketChannel channel, TcpOptions options) {
    try {
      if (options.keepalive().isPresent()) {
        channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        channel.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, seconds(options.keepalive().get()));
      }
      if (options.userTimeout().isPresent()) {
        userTimeout(channel, options.userTimeout().get());
      }
    } catch (IOException | RuntimeException e) {
      log.debug("cannot tune socket {}: {}", channel, e.toString());
    }
  }

  /** Sets a connected socket's {@code TCP_USER_TIMEOUT} (the kernel takes milliseconds). */
  static void userTimeout(SocketChannel channel, Duration timeout) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
      value.set(ValueLayout.JAVA_INT, 0, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      int rc = (int) SETSOCKOPT.invokeExact(OriginalDestination.fd(channel), IPPROTO_TCP, TCP_USER_TIMEOUT, value,
          (int) ValueLayout.JAVA_INT.byteSize());
      if (rc != 0) {
        log.debug("setsockopt(TCP_USER_TIMEOUT) failed on {}", channel);
      }
    } catch (Throwable e) {
      log.debug("cannot set TCP_USER_TIMEOUT: {}", e.toString());
    }
  }

  private static int seconds(Duration d) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toSeconds()));
  }
}
