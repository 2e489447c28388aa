package io.weft.actors.state;

import java.util.Optional;

/** What an IP belongs to: a Service's cluster IP, a pod, or neither. */
public record IpResolution(Optional<ObjectRef> service, Optional<ObjectRef> pod) {
  /** Nothing: for a target that names its Service and needs no IP looked up. */
  public static final IpResolution NONE = new IpResolution(Optional.empty(), Optional.empty());
}
