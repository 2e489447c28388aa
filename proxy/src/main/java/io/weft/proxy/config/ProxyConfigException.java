package io.weft.proxy.config;

/** A proxy setting that cannot be used; the message names the variable and what is wrong. */
public final class ProxyConfigException extends RuntimeException {
  public ProxyConfigException(String message) {
    super(message);
  }
}
