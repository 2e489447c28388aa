package io.weft.streams.queue;

import io.weft.streams.http.ProxyResponses;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.service.Layer;
import io.weft.streams.service.Service;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link FailfastQueue} as a layer: a request waits for admission; one the queue refuses (fail
 * fast, load shed) is answered with Linkerd's error, and an admitted one holds its place until its
 * response head (or failure) comes back.
 */
public final class FailfastLayer implements Layer<Request, Response> {
  private final FailfastQueue queue;

  public FailfastLayer(FailfastQueue queue) {
    this.queue = queue;
  }

  @Override
  public Service<Request, Response> wrap(Service<Request, Response> inner) {
    return request -> queue.admit().thenCompose(admission -> switch (admission) {
      case FailfastQueue.Admission.Refused refused -> CompletableFuture.completedFuture(ProxyResponses.error(refused.error(), request));
      case FailfastQueue.Admission.Admitted admitted -> dispatch(inner, request);
    });
  }

  private CompletionStage<Response> dispatch(Service<Request, Response> inner, Request request) {
    CompletionStage<Response> response;
    try {
      response = inner.call(request);
    } catch (RuntimeException e) {
      queue.release();
      throw e;
    }
    return response.whenComplete((r, error) -> queue.release());
  }
}
