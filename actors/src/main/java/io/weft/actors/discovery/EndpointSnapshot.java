package io.weft.actors.discovery;

import io.weft.actors.state.CborSerializable;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The full endpoint state of one target: what {@code Destination.Get} streams are diffed from.
 * {@code exists} is false when the Service does not exist.
 */
public record EndpointSnapshot(boolean exists, Map<String, String> setLabels, SortedMap<String, EndpointInfo> endpoints)
    implements CborSerializable {

  public EndpointSnapshot {
    setLabels = Map.copyOf(setLabels);
    endpoints = new TreeMap<>(endpoints);
  }

  public static final EndpointSnapshot MISSING = new EndpointSnapshot(false, Map.of(), new TreeMap<>());
}
