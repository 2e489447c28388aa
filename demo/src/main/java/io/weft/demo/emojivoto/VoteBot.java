package io.weft.demo.emojivoto;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Drives traffic at web through its own proxy: every tick it lists the emoji, then votes for a
 * random one (sometimes the one voting always fails), as the original vote-bot does.
 */
public final class VoteBot extends HttpWorkload {
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("vote-bot").factory());
  private final SplittableRandom random = new SplittableRandom(42);

  /** @param interval time between one list-and-vote and the next */
  public VoteBot(InetSocketAddress listen, InetSocketAddress outboundProxy, String web, Duration interval) {
    super(listen, outboundProxy);
    ticker.scheduleAtFixedRate(() -> {
      call("GET", web, "/api/list");
      String choice = EmojiService.SHORTCODES.get(random.nextInt(EmojiService.SHORTCODES.size()));
      call("GET", web, "/api/vote?choice=" + java.net.URLEncoder.encode(choice, java.nio.charset.StandardCharsets.UTF_8));
    }, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    super.close();
  }
}
