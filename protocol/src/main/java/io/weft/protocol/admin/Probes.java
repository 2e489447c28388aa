package io.weft.protocol.admin;

import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The paths every Weft admin port has, with Linkerd's answers, whatever HTTP server carries them:
 * {@code /live}, {@code /ready} (503 until ready) and {@code /metrics} (Prometheus text).
 */
public final class Probes {
  public static final String TEXT = "text/plain; charset=UTF-8";

  /** An answer: its status, content type and body. */
  public record Answer(int status, String contentType, String body) {
    public static Answer text(int status, String body) {
      return new Answer(status, TEXT, body);
    }
  }

  private static final Answer METHOD_NOT_ALLOWED = Answer.text(405, "method not allowed\n");

  private final BooleanSupplier ready;
  private final Supplier<String> metrics;

  public Probes(BooleanSupplier ready, Supplier<String> metrics) {
    this.ready = ready;
    this.metrics = metrics;
  }

  /** The answer to {@code method} on {@code path} (without its query), or empty when the path is none of the probes'. */
  public Optional<Answer> answer(String method, String path) {
    return switch (path) {
      case "/live" -> Optional.of(readOnly(method, () -> Answer.text(200, "live\n")));
      case "/ready" -> Optional.of(readOnly(method, () -> ready.getAsBoolean()
          ? Answer.text(200, "ready\n") : Answer.text(503, "not ready\n")));
      case "/metrics" -> Optional.of(readOnly(method, () -> Answer.text(200, metrics.get())));
      default -> Optional.empty();
    };
  }

  /** GET, or HEAD (the same answer; the server leaves out the body). */
  public static Answer readOnly(String method, Supplier<Answer> answer) {
    return method.equals("GET") || method.equals("HEAD") ? answer.get() : METHOD_NOT_ALLOWED;
  }

  /** The answer to a method a path does not take. */
  public static Answer methodNotAllowed() {
    return METHOD_NOT_ALLOWED;
  }
}
