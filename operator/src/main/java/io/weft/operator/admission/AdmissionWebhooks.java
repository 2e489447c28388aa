package io.weft.operator.admission;

import io.weft.protocol.identity.Pem;
import io.weft.protocol.identity.PemKeys;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import io.weft.operator.inject.InjectionSettings;

/**
 * The control plane's admission webhooks on one HTTPS port (as the API server requires): the proxy
 * injector at {@code /inject} (and {@code /}), the ServiceProfile and policy validators at
 * {@code /validate}, answered by {@link AdmissionReviews}. A malformed review gets 400 and a
 * message; the server keeps serving.
 */
public final class AdmissionWebhooks {
  private static final Logger log = LoggerFactory.getLogger(AdmissionWebhooks.class);
  private static final Duration BODY_TIMEOUT = Duration.ofSeconds(10);
  private static final long MAX_BODY_BYTES = 16L * 1024 * 1024;

  /** The component Linkerd's injector records its events as. */
  public static final String INJECTOR_COMPONENT = "linkerd-proxy-injector";

  /**
   * Where and with what the webhooks are served: the certificate chain and key as PEM, and what
   * the injector gives meshed pods.
   */
  public record Settings(String interface_, int port, String certificatePem, String keyPem, InjectionSettings injection) {}

  private AdmissionWebhooks() {}

  /** Serves {@code reviews} as {@code settings} say. */
  public static CompletionStage<ServerBinding> bind(ActorSystem<?> system, Settings settings, AdmissionReviews reviews) {
    Materializer materializer = Materializer.matFromSystem(system);
    return Http.get(system).newServerAt(settings.interface_(), settings.port())
        .enableHttps(ConnectionContext.httpsServer(sslContext(settings.certificatePem(), settings.keyPem())))
        .bind((org.apache.pekko.japi.function.Function<HttpRequest, CompletionStage<HttpResponse>>)
            request -> handle(request, reviews, materializer));
  }

  private static CompletionStage<HttpResponse> handle(HttpRequest request, AdmissionReviews reviews, Materializer materializer) {
    String path = request.getUri().path();
    Function<String, CompletionStage<String>> webhook = switch (path) {
      case "/", "/inject" -> reviews::inject;
      case "/validate" -> body -> CompletableFuture.completedFuture(reviews.validate(body));
      default -> null;
    };
    if (webhook == null || !request.method().equals(HttpMethods.POST)) {
      request.discardEntityBytes(materializer);
      return CompletableFuture.completedFuture(HttpResponse.create()
          .withStatus(webhook == null ? StatusCodes.NOT_FOUND : StatusCodes.METHOD_NOT_ALLOWED));
    }
    return request.entity().withSizeLimit(MAX_BODY_BYTES).toStrict(BODY_TIMEOUT.toMillis(), materializer)
        .thenCompose(body -> {
          try {
            return webhook.apply(body.getData().utf8String()).thenApply(answer -> HttpResponse.create()
                .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, answer)));
          } catch (IllegalArgumentException e) {
            log.warn("admission webhook {}: refusing a malformed admission review: {}", path, e.getMessage());
            return CompletableFuture.completedFuture(HttpResponse.create().withStatus(StatusCodes.BAD_REQUEST)
                .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, e.getMessage() + "\n")));
          }
        });
  }

  static SSLContext sslContext(String certificatePem, String keyPem) {
    List<X509Certificate> chain = Pem.certificates(certificatePem, "webhook certificate");
    PrivateKey key = PemKeys.privateKey(keyPem, "webhook key");
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("webhook", key, new char[0], chain.toArray(X509Certificate[]::new));
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, new char[0]);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalArgumentException("the webhook certificate and key cannot be used: " + e.getMessage(), e);
    }
  }
}
