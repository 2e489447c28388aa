package io.weft.operator.inject;

/** What became of one resource: injected, or skipped with Linkerd's reason. */
public sealed interface Outcome {
  record Injected() implements Outcome {}

  /** Only the {@code linkerd.io/inject: enabled} annotation was added (inject without --manual). */
  record Annotated() implements Outcome {}

  record Uninjected() implements Outcome {}

  /** {@code reason}: Linkerd's report key, e.g. {@code host_network_enabled}. */
  record Skipped(String reason, String explanation) implements Outcome {}
}
