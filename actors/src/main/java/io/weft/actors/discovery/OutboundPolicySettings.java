package io.weft.actors.discovery;

import com.typesafe.config.Config;

import java.time.Duration;

/** The defaults of an {@code OutboundPolicies} answer ({@code weft.discovery.outbound-policy}). */
public record OutboundPolicySettings(Duration detectTimeout, int queueCapacity, Duration failfastTimeout, Duration ewmaDefaultRtt,
                                     Duration ewmaDecay, int maxFailures, Duration minPenalty, Duration maxPenalty,
                                     double jitterRatio, int defaultRetryLimit, long maxRetryRequestBytes, Duration retryMinBackoff,
                                     Duration retryMaxBackoff, double retryJitterRatio) {
  public static OutboundPolicySettings from(Config config) {
    Config c = config.getConfig("weft.discovery.outbound-policy");
    Config accrual = c.getConfig("failure-accrual");
    return new OutboundPolicySettings(c.getDuration("detect-timeout"), c.getInt("queue-capacity"), c.getDuration("failfast-timeout"),
        c.getDuration("ewma-default-rtt"), c.getDuration("ewma-decay"), accrual.getInt("max-failures"),
        accrual.getDuration("min-penalty"), accrual.getDuration("max-penalty"), accrual.getDouble("jitter-ratio"),
        c.getInt("retry.default-limit"), c.getBytes("retry.max-request-bytes"), c.getDuration("retry.min-backoff"),
        c.getDuration("retry.max-backoff"), c.getDouble("retry.jitter-ratio"));
  }
}
