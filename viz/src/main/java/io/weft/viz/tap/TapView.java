package io.weft.viz.tap;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/**
 * A tap event as viz hands it on (to the CLI, the dashboard): which proxy saw it, its kind
 * ({@code req}, {@code rsp}, {@code end}, as Linkerd's lines begin), the two ends with what is known
 * of the resources there, and the event's own fields. Times in microseconds.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TapView(String type, String id, String proxy, String pod, String namespace, String source,
                      String destination, String tls, Map<String, String> sourceMeta, Map<String, String> destinationMeta,
                      String method, String scheme, String authority, String path, Integer status, Long latencyMicros,
                      Long durationMicros, Long responseBytes, Integer grpcStatus) {
  public static final String REQUEST = "req";
  public static final String RESPONSE = "rsp";
  public static final String END = "end";
}
