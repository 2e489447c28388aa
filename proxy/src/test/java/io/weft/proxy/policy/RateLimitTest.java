package io.weft.proxy.policy;

import io.linkerd.proxy.inbound.HttpLocalRateLimit;
import io.linkerd.proxy.inbound.Identity;
import io.linkerd.proxy.meta.Metadata;
import io.linkerd.proxy.meta.Resource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTPLocalRateLimitPolicy's limits on a clock the test moves. */
class RateLimitTest {
  private static final String VOTE_BOT = "vote-bot.emojivoto.serviceaccount.identity.linkerd.cluster.local";
  private static final String WEB = "web.emojivoto.serviceaccount.identity.linkerd.cluster.local";
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private RateLimit limit(int total, int identity, int override) {
    HttpLocalRateLimit.Builder proto = HttpLocalRateLimit.newBuilder().setMetadata(Metadata.newBuilder().setResource(
        Resource.newBuilder().setGroup("policy.linkerd.io").setKind("HTTPLocalRateLimitPolicy").setName("web-rl")));
    if (total > 0) {
      proto.setTotal(HttpLocalRateLimit.Limit.newBuilder().setRequestsPerSecond(total));
    }
    if (identity > 0) {
      proto.setIdentity(HttpLocalRateLimit.Limit.newBuilder().setRequestsPerSecond(identity));
    }
    if (override > 0) {
      proto.addOverrides(HttpLocalRateLimit.Override.newBuilder().setLimit(HttpLocalRateLimit.Limit.newBuilder().setRequestsPerSecond(override))
          .setClients(HttpLocalRateLimit.Override.ClientIdentities.newBuilder().addIdentities(Identity.newBuilder().setName(VOTE_BOT))));
    }
    return RateLimit.of(proto.build(), Duration.ofMillis(100), now::get);
  }

  /** How many of {@code offered} requests, evenly spread over {@code seconds}, pass. */
  private int passed(RateLimit limit, String identity, int offered, int seconds) {
    long step = Duration.ofSeconds(seconds).toNanos() / offered;
    int passed = 0;
    for (int i = 0; i < offered; i++) {
      if (limit.refusal(identity) == null) {
        passed++;
      }
      now.addAndGet(step);
    }
    return passed;
  }

  @Test
  void aTotalLimitHoldsOverTenSecondsOfOverloadWithinItsBurst() {
    RateLimit limit = limit(100, 0, 0);
    assertThat(limit.name()).isEqualTo("web-rl");
    assertThat(passed(limit, "", 5_000, 10)).isBetween(1_000, 1_010);
    assertThat(refusedBy(limit, "")).isEqualTo(RateLimit.Scope.TOTAL);
  }

  /** The limit that refuses the first of a run of requests at one instant to be refused. */
  private static RateLimit.Scope refusedBy(RateLimit limit, String identity) {
    RateLimit.Scope refused = null;
    for (int i = 0; i < 1_000 && refused == null; i++) {
      refused = limit.refusal(identity);
    }
    return refused;
  }

  @Test
  void aBurstOfATenthOfTheRatePassesAtOnceThenTheRateRules() {
    RateLimit limit = limit(100, 0, 0);
    int atOnce = 0;
    while (limit.refusal("") == null) {
      atOnce++;
    }
    assertThat(atOnce).isEqualTo(10);
    now.addAndGet(Duration.ofMillis(10).toNanos());
    assertThat(limit.refusal("")).as("one interval later, one more").isNull();
    assertThat(limit.refusal("")).isEqualTo(RateLimit.Scope.TOTAL);
  }

  @Test
  void eachIdentityHasItsOwnLimitAndAnOverrideReplacesIt() {
    RateLimit limit = limit(0, 20, 50);
    assertThat(passed(limit, WEB, 1_000, 10)).as("web alone").isBetween(200, 202);
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(passed(limit, VOTE_BOT, 1_000, 10)).as("vote-bot's override").isBetween(500, 505);
    assertThat(refusedBy(limit, VOTE_BOT)).isEqualTo(RateLimit.Scope.OVERRIDE);
    assertThat(refusedBy(limit, WEB)).isEqualTo(RateLimit.Scope.IDENTITY);
    assertThat(limit.refusal("")).as("clients without an identity share a limit of their own").isNull();
    assertThat(RateLimit.NONE.limits()).isFalse();
    assertThat(RateLimit.NONE.refusal(WEB)).isNull();
  }
}
