package io.weft.proxy.identity;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The proxy's current certificate and key, offered in every mesh TLS handshake. A renewal replaces
 * them for handshakes that start afterwards; connections already open keep the session they have.
 * Written only by the {@link Certifier}; read by TLS handshakes (which cannot ask an actor).
 */
public final class MeshCredentials extends X509ExtendedKeyManager {
  private static final String ALIAS = "mesh";

  /** A key and its certificate chain, leaf first. */
  public record Credential(PrivateKey key, List<X509Certificate> chain) {
    public X509Certificate leaf() {
      return chain.getFirst();
    }
  }

  private volatile Credential current;
  private final CompletableFuture<Credential> first = new CompletableFuture<>();

  void install(Credential credential) {
    current = credential;
    first.complete(credential);
  }

  public Optional<Credential> current() {
    return Optional.ofNullable(current);
  }

  /** Completes when the first certificate is installed: the proxy is ready from then on. */
  public CompletionStage<Credential> certified() {
    return first;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return current == null ? null : ALIAS;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return current == null ? null : ALIAS;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Credential c = current;
    return c == null ? null : c.chain().toArray(X509Certificate[]::new);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Credential c = current;
    return c == null ? null : c.key();
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return current == null ? null : new String[] {ALIAS};
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return current == null ? null : ALIAS;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return current == null ? null : new String[] {ALIAS};
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return current == null ? null : ALIAS;
  }
}
