package io.weft.actors.admission;

import io.weft.k8s.admission.AdmissionReviews;
import io.weft.protocol.identity.Pem;
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
  private static final String INJECTOR_COMPONENT = "linkerd-proxy-injector";

  private AdmissionWebhooks() {}

  /** Serves {@code reviews} on {@code interface_:port} with the certificate chain and key given as PEM. */
  public static CompletionStage<ServerBinding> bind(ActorSystem<?> system, String interface_, int port, String certificatePem,
                                                    String keyPem, AdmissionReviews reviews) {
    Materializer materializer = Materializer.matFromSystem(system);
    // A review may wait on the node's index (the pod's namespace): never on the dispatcher the index runs on.
    java.util.concurrent.Executor blocking = system.dispatchers().lookup(
        org.apache.pekko.actor.typed.DispatcherSelector.blocking());
    return Http.get(system).newServerAt(interface_, port)
        .enableHttps(ConnectionContext.httpsServer(sslContext(certificatePem, keyPem)))
        .bind((org.apache.pekko.japi.function.Function<HttpRequest, CompletionStage<HttpResponse>>)
            request -> handle(request, reviews, materializer, blocking));
  }

  /**
   * Serves the webhooks for {@code controlPlane}'s cluster: a pod's namespace
   * annotations come from the node's resource index.
   */
  public static CompletionStage<ServerBinding> bind(io.weft.actors.ControlPlane controlPlane, String interface_, int port,
                                                    String certificatePem, String keyPem,
                                                    io.weft.k8s.inject.InjectionSettings settings) {
    AdmissionReviews reviews = new AdmissionReviews(new io.weft.k8s.inject.ProxyInjector(settings), namespace ->
        controlPlane.object(new io.weft.k8s.model.ResourceKey(io.weft.k8s.model.ResourceKind.NAMESPACE, "", namespace),
            io.weft.k8s.model.NamespaceResource.class).map(n -> n.meta().annotations()).orElse(java.util.Map.of()), controlPlane.admin().admission().andThen(
                io.weft.k8s.admission.AdmissionObserver.events(controlPlane.eventRecorder(INJECTOR_COMPONENT))));
    return bind(controlPlane.system(), interface_, port, certificatePem, keyPem, reviews);
  }

  private static CompletionStage<HttpResponse> handle(HttpRequest request, AdmissionReviews reviews, Materializer materializer,
                                                      java.util.concurrent.Executor blocking) {
    String path = request.getUri().path();
    java.util.function.UnaryOperator<String> webhook = switch (path) {
      case "/", "/inject" -> reviews::inject;
      case "/validate" -> reviews::validate;
      default -> null;
    };
    if (webhook == null || !request.method().equals(HttpMethods.POST)) {
      request.discardEntityBytes(materializer);
      return CompletableFuture.completedFuture(HttpResponse.create()
          .withStatus(webhook == null ? StatusCodes.NOT_FOUND : StatusCodes.METHOD_NOT_ALLOWED));
    }
    return request.entity().withSizeLimit(MAX_BODY_BYTES).toStrict(BODY_TIMEOUT.toMillis(), materializer)
        .thenApplyAsync(body -> {
          try {
            return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
                webhook.apply(body.getData().utf8String())));
          } catch (IllegalArgumentException e) {
            log.warn("admission webhook {}: refusing a malformed admission review: {}", path, e.getMessage());
            return HttpResponse.create().withStatus(StatusCodes.BAD_REQUEST)
                .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, e.getMessage() + "\n"));
          }
        }, blocking);
  }

  static SSLContext sslContext(String certificatePem, String keyPem) {
    List<X509Certificate> chain = Pem.certificates(certificatePem, "webhook certificate");
    PrivateKey key = Pem.privateKey(keyPem, "webhook key");
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
