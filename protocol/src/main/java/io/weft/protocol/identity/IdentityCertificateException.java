package io.weft.protocol.identity;

import java.security.cert.CertificateException;

/** Why a peer's certificate does not prove a mesh identity; the message says which check failed and for whom. */
public final class IdentityCertificateException extends CertificateException {
  public enum Reason { EXPIRED, NOT_YET_VALID, UNTRUSTED, WRONG_IDENTITY }

  private final Reason reason;

  public IdentityCertificateException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public IdentityCertificateException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
