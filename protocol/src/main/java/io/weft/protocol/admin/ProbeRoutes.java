package io.weft.protocol.admin;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** {@link Probes} (all plain text) as a Pekko HTTP route (the control plane's admin port); other paths pass to the next route. */
public final class ProbeRoutes extends AllDirectives {
  private final Probes probes;

  public ProbeRoutes(BooleanSupplier ready, Supplier<String> metrics) {
    this.probes = new Probes(ready, metrics);
  }

  public Route route() {
    return extractRequest(request -> probes.answer(request.method().value(), request.getUri().path())
        .map(answer -> complete(HttpResponse.create().withStatus(answer.status())
            .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, answer.body()))))
        .orElseGet(this::reject));
  }
}
