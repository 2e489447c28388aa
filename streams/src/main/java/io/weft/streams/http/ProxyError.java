package io.weft.streams.http;

/**
 * Errors the proxy answers for itself, with Linkerd's HTTP status, gRPC status and
 * {@code l5d-proxy-error} message, so clients and dashboards see what they would see with Linkerd.
 */
public enum ProxyError {
  FAIL_FAST(504, 4 /* DEADLINE_EXCEEDED */, "service in fail-fast"),
  LOAD_SHED(503, 14 /* UNAVAILABLE */, "service unavailable"),
  RESPONSE_TIMEOUT(504, 4 /* DEADLINE_EXCEEDED */, "response timeout"),
  IDENTITY_REQUIRED(502, 14 /* UNAVAILABLE */, "identity required"),
  CONNECTION_FAILED(502, 14 /* UNAVAILABLE */, "connection failed"),
  NO_ROUTE(404, 12 /* UNIMPLEMENTED */, "no route found"),
  UNAUTHORIZED(403, 7 /* PERMISSION_DENIED */, "unauthorized request"),
  RATE_LIMITED(429, 8 /* RESOURCE_EXHAUSTED */, "rate limit exceeded"),
  GATEWAY_LOOP(508, 13 /* INTERNAL */, "gateway loop detected"),
  UNEXPECTED(500, 13 /* INTERNAL */, "unexpected error");

  /** The header carrying {@link #message()} on synthesized responses. */
  public static final String HEADER = "l5d-proxy-error";

  private final int httpStatus;
  private final int grpcStatus;
  private final String message;

  ProxyError(int httpStatus, int grpcStatus, String message) {
    this.httpStatus = httpStatus;
    this.grpcStatus = grpcStatus;
    this.message = message;
  }

  public int httpStatus() { return httpStatus; }

  /** gRPC callers get HTTP 200 with this {@code grpc-status}. */
  public int grpcStatus() { return grpcStatus; }

  public String message() { return message; }
}
