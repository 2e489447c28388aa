package io.weft.proxy.route;

import io.weft.streams.http.Response;

import java.util.List;
import java.util.function.Predicate;

/**
 * Whether a response is a failure, by a route's response classes (the first whose condition
 * matches decides); a response no class matches is a failure when it is a 5xx or carries a gRPC
 * status other than OK, as Linkerd classifies by default.
 */
public record ResponseClasses(List<ResponseClass> classes) {
  private static final String GRPC_STATUS = "grpc-status";
  private static final String GRPC_OK = "0";
  private static final int SERVER_ERROR = 500;

  public static final ResponseClasses DEFAULT = new ResponseClasses(List.of());

  /** One class: responses matching {@code condition} are failures or successes. */
  public record ResponseClass(Predicate<Response> condition, boolean failure) {}

  public boolean isFailure(Response response) {
    for (ResponseClass c : classes) {
      if (c.condition().test(response)) {
        return c.failure();
      }
    }
    return byDefault(response);
  }

  /** Linkerd's default classification: a server error, or a gRPC status other than OK in the head. */
  public static boolean byDefault(Response response) {
    if (response.status() >= SERVER_ERROR) {
      return true;
    }
    String grpc = response.headers().get(GRPC_STATUS);
    return grpc != null && !grpc.equals(GRPC_OK);
  }
}
