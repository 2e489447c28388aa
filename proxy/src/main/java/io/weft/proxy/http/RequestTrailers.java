package io.weft.proxy.http;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One HTTP/2 connection's request trailers, by stream: Pekko's HTTP/2 server drops a request's
 * trailers (akka-http #1869), so {@link Http2Guard} keeps them here as it passes their frame on, and
 * the request's body adds them at its end ({@link Http2Bridge}). They are recorded before the
 * stream's end reaches Pekko, so a body that has ended finds its trailers here.
 */
public final class RequestTrailers {
  private final Map<Integer, List<RequestFieldRules.Field>> byStream = new ConcurrentHashMap<>();

  void put(int stream, List<RequestFieldRules.Field> fields) {
    byStream.put(stream, fields);
  }

  /** The trailers stream {@code stream} ended with (empty when none), forgotten once taken. */
  public List<RequestFieldRules.Field> take(int stream) {
    List<RequestFieldRules.Field> fields = byStream.remove(stream);
    return fields == null ? List.of() : fields;
  }
}
