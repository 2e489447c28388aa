package io.weft.proxy.tcp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * Where an intercepted connection was going before iptables redirected it to the proxy:
 * {@code getsockopt(fd, SOL_IP, SO_ORIGINAL_DST)}, called through the FFM API.
 * Needs {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED} (the fd) and native access.
 */
public final class OriginalDestination {
  private static final Logger log = LoggerFactory.getLogger(OriginalDestination.class);
  private static final int SOL_IP = 0;
  private static final int SO_ORIGINAL_DST = 80;
  private static final int AF_INET = 2;
  private static final int SOCKADDR_IN_SIZE = 16;
  private static final MethodHandle GETSOCKOPT = Linker.nativeLinker().downcallHandle(
      Linker.nativeLinker().defaultLookup().find("getsockopt").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
          ValueLayout.ADDRESS, ValueLayout.ADDRESS));

  private OriginalDestination() {}

  /** The original IPv4 destination, or empty when the connection was not redirected by netfilter. */
  public static Optional<InetSocketAddress> of(SocketChannel channel) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment address = arena.allocate(SOCKADDR_IN_SIZE);
      MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
      length.set(ValueLayout.JAVA_INT, 0, SOCKADDR_IN_SIZE);
      int rc = (int) GETSOCKOPT.invokeExact(fd(channel), SOL_IP, SO_ORIGINAL_DST, address, length);
      if (rc != 0 || (address.get(ValueLayout.JAVA_SHORT, 0) & 0xffff) != AF_INET) {
        return Optional.empty();
      }
      int port = Short.toUnsignedInt(address.get(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2));
      byte[] ip = address.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE);
      return Optional.of(new InetSocketAddress(InetAddress.getByAddress(ip), port));
    } catch (UnknownHostException e) {
      throw new IllegalStateException("four bytes are always an IPv4 address", e);
    } catch (Throwable e) {
      log.debug("cannot read the original destination: {}", e.toString());
      return Optional.empty();
    }
  }

  /** The channel's file descriptor, for the socket calls Java has no API for. */
  static int fd(SocketChannel channel) throws ReflectiveOperationException {
    Method getFdVal = Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
    return (int) getFdVal.invoke(channel);
  }
}
