package io.weft.proxy.http;

import io.weft.streams.http.ProxyResponses;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.http.ProxyError;
import io.weft.streams.service.Failures;
import io.weft.streams.service.Layer;
import io.weft.streams.service.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request that got no answer from upstream (the connection failed, or broke before the response
 * began) is answered with Linkerd's 502 {@code connection failed}, saying why a peer's mesh TLS
 * was refused when that is what happened.
 */
public final class FailureResponses implements Layer<Request, Response> {
  private static final Logger log = LoggerFactory.getLogger(FailureResponses.class);
  private final String where;

  /** {@code where}: the direction or destination, for the debug log. */
  public FailureResponses(String where) {
    this.where = where;
  }

  @Override
  public Service<Request, Response> wrap(Service<Request, Response> inner) {
    return request -> inner.call(request).exceptionally(error -> {
      Throwable cause = Failures.cause(error);
      log.debug("{} request {} got no answer: {}", where, request, cause.toString());
      return ProxyResponses.error(ProxyError.CONNECTION_FAILED, request, ConnectFailures.tlsRefusal(cause));
    });
  }
}
