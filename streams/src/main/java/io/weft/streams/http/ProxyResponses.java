package io.weft.streams.http;

import org.apache.pekko.util.ByteString;

import java.util.Optional;

/**
 * Responses the proxy makes itself, as Linkerd's do: the error's status and an
 * {@code l5d-proxy-error} header; gRPC callers get HTTP 200 with {@code grpc-status} and
 * {@code grpc-message} so their client libraries report the right code.
 */
public final class ProxyResponses {
  private ProxyResponses() {}

  public static Response error(ProxyError error, Request request) {
    return error(error, request, Optional.empty());
  }

  /** With {@code detail} (e.g. why a peer's certificate was refused) after the error's own message. */
  public static Response error(ProxyError error, Request request, Optional<String> detail) {
    return failure(error.httpStatus(), error.grpcStatus(), detail.map(d -> error.message() + ": " + d).orElse(error.message()), request);
  }

  /** An answer the proxy makes itself with any status (a route's failure injection), in the same form as its errors. */
  public static Response failure(int httpStatus, int grpcStatus, String message, Request request) {
    if (request.isGrpc()) {
      Headers headers = new Headers().add("content-type", "application/grpc").add("grpc-status", Integer.toString(grpcStatus))
          .add("grpc-message", message).add(ProxyError.HEADER, message);
      return new Response(200, null, request.version(), headers, Body.EMPTY);
    }
    Headers headers = new Headers().add("content-type", "text/plain; charset=utf-8").add(ProxyError.HEADER, message);
    return new Response(httpStatus, null, request.version(), headers, Body.of(ByteString.fromString(message + "\n")));
  }

  /** A redirect to {@code location} with {@code status} (301 or 302). */
  public static Response redirect(int status, String location, Request request) {
    return new Response(status, null, request.version(), new Headers().add("location", location), Body.EMPTY);
  }
}
