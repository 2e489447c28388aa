package io.weft.protocol.admin;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The paths every Weft admin port has, with Linkerd's answers: {@code /live}, {@code /ready}
 * (503 until ready) and {@code /metrics} (Prometheus text).
 */
public final class ProbeRoutes extends AllDirectives {
  private final BooleanSupplier ready;
  private final Supplier<String> metrics;

  public ProbeRoutes(BooleanSupplier ready, Supplier<String> metrics) {
    this.ready = ready;
    this.metrics = metrics;
  }

  public Route route() {
    return concat(
        path("live", () -> get(() -> complete(StatusCodes.OK, "live\n"))),
        path("ready", () -> get(() -> ready.getAsBoolean()
            ? complete(StatusCodes.OK, "ready\n")
            : complete(StatusCodes.SERVICE_UNAVAILABLE, "not ready\n"))),
        path("metrics", () -> get(() -> complete(HttpResponse.create().withEntity(
            HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, metrics.get()))))));
  }
}
