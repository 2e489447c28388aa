package io.weft.proxy.http;

import io.weft.streams.queue.ProxyError;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * Responses the proxy makes itself, as Linkerd's do: the error's status and an
 * {@code l5d-proxy-error} header; gRPC callers get HTTP 200 with {@code grpc-status} and
 * {@code grpc-message} so their client libraries report the right code.
 */
public final class ErrorResponses {
  private ErrorResponses() {}

  public static HttpResponse of(ProxyError error, HttpRequest request) {
    return of(error, request, java.util.Optional.empty());
  }

  /** With {@code detail} (e.g. why a peer's certificate was refused) after the error's own message. */
  public static HttpResponse of(ProxyError error, HttpRequest request, java.util.Optional<String> detail) {
    String message = detail.map(d -> error.message() + ": " + d).orElse(error.message());
    RawHeader reason = RawHeader.create(ProxyError.HEADER, message);
    // Pekko keeps the content type on the entity, not among the headers.
    boolean grpc = request.entity().getContentType().mediaType().toString().startsWith("application/grpc");
    if (grpc) {
      return HttpResponse.create().withStatus(StatusCodes.OK)
          .addHeader(RawHeader.create("grpc-status", Integer.toString(error.grpcStatus())))
          .addHeader(RawHeader.create("grpc-message", message))
          .addHeader(reason)
          .withEntity(HttpEntities.create(ContentTypes.create(
              org.apache.pekko.http.javadsl.model.MediaTypes.applicationWithFixedCharset("grpc",
                  org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8)), new byte[0]));
    }
    return HttpResponse.create().withStatus(error.httpStatus()).addHeader(reason)
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, message + "\n"));
  }
}
