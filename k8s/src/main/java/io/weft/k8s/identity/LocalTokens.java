package io.weft.k8s.identity;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The local cluster's service-account tokens: {@code weft-local.v1.<ns>.<sa>.<mac>}, where the
 * MAC (HMAC-SHA256 under a key only the control plane and its operator can read) proves the local
 * cluster issued it. Stands in for Kubernetes' projected tokens and TokenReview when there is no API.
 */
public final class LocalTokens implements TokenReviewer {
  private static final String PREFIX = "weft-local.v1.";
  private static final String MAC = "HmacSHA256";
  private static final int KEY_BYTES = 32;
  private static final Base64.Encoder ENCODE = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODE = Base64.getUrlDecoder();

  private final byte[] key;

  public LocalTokens(byte[] key) {
    this.key = key.clone();
  }

  /** The tokens keyed by {@code file}, which is created (readable by its owner only) with a new key if missing. */
  public static LocalTokens fromKeyFile(Path file) {
    try {
      if (!Files.exists(file)) {
        byte[] key = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(key);
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temporary = Files.createTempFile(parent, ".token-key", ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temporary, ENCODE.encodeToString(key));
        try {
          Files.move(temporary, file); // another process may have made it first: theirs wins
        } catch (java.nio.file.FileAlreadyExistsException e) {
          Files.delete(temporary);
        }
      }
      byte[] key = DECODE.decode(Files.readString(file).trim());
      if (key.length < KEY_BYTES) {
        throw new IllegalArgumentException("local token key " + file + " is shorter than " + KEY_BYTES + " bytes");
      }
      return new LocalTokens(key);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the local token key " + file, e);
    }
  }

  /** A token for service account {@code serviceAccount} of {@code namespace}. */
  public String mint(String namespace, String serviceAccount) {
    String subject = namespace + "." + serviceAccount;
    return PREFIX + subject + "." + ENCODE.encodeToString(mac(subject));
  }

  @Override
  public CompletionStage<Review> review(String token) {
    return CompletableFuture.completedFuture(check(token));
  }

  private Review check(String token) {
    if (!token.startsWith(PREFIX)) {
      return new Review.Rejected("not a token of this local cluster");
    }
    String[] parts = token.substring(PREFIX.length()).split("\\.", -1);
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
      return new Review.Rejected("malformed local token (want weft-local.v1.<namespace>.<serviceaccount>.<mac>)");
    }
    byte[] presented;
    try {
      presented = DECODE.decode(parts[2]);
    } catch (IllegalArgumentException e) {
      return new Review.Rejected("malformed local token signature");
    }
    if (!MessageDigest.isEqual(presented, mac(parts[0] + "." + parts[1]))) {
      return new Review.Rejected("the token's signature does not match this local cluster's key");
    }
    return new Review.Authenticated(parts[0], parts[1]);
  }

  private byte[] mac(String subject) {
    try {
      Mac mac = Mac.getInstance(MAC);
      mac.init(new SecretKeySpec(key, MAC));
      return mac.doFinal(subject.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides " + MAC, e);
    }
  }
}
