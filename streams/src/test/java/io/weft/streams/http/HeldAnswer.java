package io.weft.streams.http;

import io.weft.streams.service.Service;

import java.util.concurrent.CompletableFuture;

/** For a test: the answer to requests for one path, held until the test gives it, and word of when one arrived. */
public final class HeldAnswer {
  private final String path;
  private final CompletableFuture<Response> answer = new CompletableFuture<>();
  private final CompletableFuture<Void> arrived = new CompletableFuture<>();

  public HeldAnswer(String path) {
    this.path = path;
  }

  /** {@code others} answering every other request. */
  public Service<Request, Response> before(Service<Request, Response> others) {
    return request -> {
      if (!request.target().equals(path)) {
        return others.call(request);
      }
      arrived.complete(null);
      return answer;
    };
  }

  /** Completes once a request for the path reached the service. */
  public CompletableFuture<Void> arrived() {
    return arrived;
  }

  /** Lets the held answer go. */
  public void answer(Response response) {
    answer.complete(response);
  }
}
