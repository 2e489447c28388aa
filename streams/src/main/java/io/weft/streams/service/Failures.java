package io.weft.streams.service;

import java.util.concurrent.CompletionException;

/** What a failed {@link Service} call failed with, past the wrapper a composed stage puts around it. */
public final class Failures {
  private Failures() {}

  public static Throwable cause(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }
}
