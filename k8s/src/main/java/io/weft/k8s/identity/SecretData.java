package io.weft.k8s.identity;

import io.fabric8.kubernetes.api.model.Secret;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A Secret's entry as text (its data is base64); empty when absent. */
public final class SecretData {
  private SecretData() {}

  public static String text(Secret secret, String key) {
    String value = secret == null || secret.getData() == null ? null : secret.getData().get(key);
    return value == null ? "" : new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
  }
}
