package io.weft.k8s.identity;

import io.weft.protocol.identity.IssuerMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Where the identity service reads its trust anchors and issuer from; read again on every reload. */
public interface IssuerSource {
  /** The current material; empty while there is none (e.g. the Secret is not created yet). */
  Optional<IssuerMaterial> read() throws IOException;

  String describe();

  /** No issuer anywhere: Certify answers UNAVAILABLE. */
  static IssuerSource none() {
    return new IssuerSource() {
      @Override
      public Optional<IssuerMaterial> read() {
        return Optional.empty();
      }

      @Override
      public String describe() {
        return "no issuer (neither weft.identity files nor the cluster's issuer Secret)";
      }
    };
  }

  /** Three files, as {@code weft install}'s flags or a mounted Secret give them. */
  static IssuerSource files(Path trustAnchors, Path certificate, Path key) {
    return new IssuerSource() {
      @Override
      public Optional<IssuerMaterial> read() throws IOException {
        try {
          return Optional.of(new IssuerMaterial(Files.readString(trustAnchors), Files.readString(certificate),
              Files.readString(key)));
        } catch (NoSuchFileException e) {
          return Optional.empty();
        }
      }

      @Override
      public String describe() {
        return "files " + trustAnchors + ", " + certificate + ", " + key;
      }
    };
  }
}
