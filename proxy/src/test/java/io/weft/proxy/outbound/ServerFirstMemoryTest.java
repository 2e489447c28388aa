package io.weft.proxy.outbound;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ServerFirstMemoryTest {
  private final AtomicLong now = new AtomicLong();
  private static final InetSocketAddress SMTP = new InetSocketAddress("10.0.0.1", 25);
  private static final InetSocketAddress MYSQL = new InetSocketAddress("10.0.0.2", 3306);

  @Test
  void aServerThatSpokeFirstIsRememberedForAWhile() {
    ServerFirstMemory memory = new ServerFirstMemory(new ServerFirstMemory.Settings(Duration.ofMinutes(10), 100), now::get);
    assertThat(memory.remembers(SMTP)).isFalse();
    memory.learned(SMTP);
    assertThat(memory.remembers(SMTP)).isTrue();
    assertThat(memory.remembers(MYSQL)).isFalse();
    now.addAndGet(Duration.ofMinutes(11).toNanos());
    assertThat(memory.remembers(SMTP)).as("forgotten, so probed again").isFalse();
  }

  @Test
  void aFullMemoryTakesNoMoreUntilEntriesExpire() {
    ServerFirstMemory memory = new ServerFirstMemory(new ServerFirstMemory.Settings(Duration.ofMinutes(10), 1), now::get);
    memory.learned(SMTP);
    memory.learned(MYSQL);
    assertThat(memory.remembers(MYSQL)).isFalse();
    now.addAndGet(Duration.ofMinutes(11).toNanos());
    memory.learned(MYSQL);
    assertThat(memory.remembers(MYSQL)).isTrue();

    ServerFirstMemory off = new ServerFirstMemory(new ServerFirstMemory.Settings(Duration.ofMinutes(10), 0), now::get);
    off.learned(SMTP);
    assertThat(off.remembers(SMTP)).isFalse();
  }
}
