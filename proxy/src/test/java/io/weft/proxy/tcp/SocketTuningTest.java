package io.weft.proxy.tcp;

import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Linkerd's keep-alive and user-timeout settings reach the kernel's socket, as {@code getsockopt} reads them back. */
class SocketTuningTest {
  private static final MethodHandle GETSOCKOPT = Linker.nativeLinker().downcallHandle(
      Linker.nativeLinker().defaultLookup().find("getsockopt").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
          ValueLayout.ADDRESS, ValueLayout.ADDRESS));

  @Test
  void keepaliveAndUserTimeoutAreSetOnTheConnection() throws Throwable {
    try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
         SocketChannel client = SocketChannel.open(server.getLocalAddress());
         SocketChannel accepted = server.accept()) {
      assertThat(userTimeoutMillis(accepted)).isZero();
      assertThat(accepted.socket().getKeepAlive()).isFalse();

      SocketTuning.apply(accepted, new TcpOptions(Optional.of(Duration.ofMillis(10_000)), Optional.of(Duration.ofSeconds(30))));

      assertThat(accepted.socket().getKeepAlive()).isTrue();
      assertThat(accepted.getOption(ExtendedSocketOptions.TCP_KEEPIDLE)).isEqualTo(10);
      assertThat(userTimeoutMillis(accepted)).isEqualTo(30_000);
      assertThat(userTimeoutMillis(client)).as("the other end is untouched").isZero();
    }
  }

  private static int userTimeoutMillis(SocketChannel channel) throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
      MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
      length.set(ValueLayout.JAVA_INT, 0, 4);
      int rc = (int) GETSOCKOPT.invokeExact(OriginalDestination.fd(channel), 6 /* IPPROTO_TCP */, 18 /* TCP_USER_TIMEOUT */,
          value, length);
      assertThat(rc).isZero();
      return value.get(ValueLayout.JAVA_INT, 0);
    }
  }
}
