package io.weft.k8s.local;

import java.nio.file.Path;

/** Why a document of a manifest file was not loaded. {@code document} counts from 1. */
public record ManifestProblem(Path file, int document, String message) {
  @Override
  public String toString() {
    return file.getFileName() + " document " + document + ": " + message;
  }
}
