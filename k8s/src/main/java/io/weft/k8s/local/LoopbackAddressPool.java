package io.weft.k8s.local;

import io.weft.k8s.model.ResourceKey;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Gives every local pod its own loopback address (127.0.1.1 onwards), stable for as long as the
 * pod exists, so each proxy can use the standard ports as it would in a real pod.
 */
final class LoopbackAddressPool {
  private static final int FIRST = (127 << 24) | (0 << 16) | (1 << 8) | 1;
  /** 127.0.1.1 up to 127.0.255.254. */
  private static final int CAPACITY = 255 * 256 - 2;

  private final Map<ResourceKey, Integer> assigned = new HashMap<>();
  private final BitSet used = new BitSet(CAPACITY);

  String addressOf(ResourceKey pod) {
    int index = assigned.computeIfAbsent(pod, k -> {
      int free = used.nextClearBit(0);
      if (free >= CAPACITY) {
        throw new IllegalStateException("no loopback address left for " + pod);
      }
      used.set(free);
      return free;
    });
    int ip = FIRST + index;
    return ((ip >>> 24) & 0xff) + "." + ((ip >>> 16) & 0xff) + "." + ((ip >>> 8) & 0xff) + "." + (ip & 0xff);
  }

  /** Frees the addresses of pods that no longer exist. */
  void retainOnly(java.util.Set<ResourceKey> pods) {
    assigned.entrySet().removeIf(e -> {
      if (!pods.contains(e.getKey())) {
        used.clear(e.getValue());
        return true;
      }
      return false;
    });
  }
}
