package io.weft.proxy;

import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BesideTest {
  @Test
  void theWorkRunsOnItsOwnThreadWhileTheCallerGoesOn() throws InterruptedException {
    CountDownLatch callerWentOn = new CountDownLatch(1);
    Beside<String> work = Beside.start("test", () -> {
      try {
        // Only done if the caller did not wait for the work before going on.
        assertThat(callerWentOn.await(30, TimeUnit.SECONDS)).isTrue();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return Thread.currentThread().getName();
    });
    callerWentOn.countDown();
    assertThat(work.join()).isEqualTo("weft-start-test").isNotEqualTo(Thread.currentThread().getName());
  }

  @Test
  void aFailureIsThrownAsTheWorkThrewIt() {
    Beside<String> bad = Beside.start("bad", () -> {
      throw new IllegalArgumentException("LINKERD2_PROXY_IDENTITY_DIR: key.p8/csr.der are unusable");
    });
    assertThatThrownBy(bad::join).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("LINKERD2_PROXY_IDENTITY_DIR: key.p8/csr.der are unusable");
    Beside<String> unreadable = Beside.start("unreadable", () -> {
      throw new UncheckedIOException("cannot read the identity key", new IOException("denied"));
    });
    assertThatThrownBy(unreadable::join).isExactlyInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("cannot read the identity key");
  }
}
