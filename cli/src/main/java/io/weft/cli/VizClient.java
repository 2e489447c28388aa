package io.weft.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.weft.protocol.net.Authority;
import io.weft.viz.api.VizJson;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The viz service's API as the CLI calls it: JSON answers read into viz's own types, tap as JSON
 * lines; an error answer becomes an exception with the service's message.
 */
final class VizClient {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
  private final Authority address;

  VizClient(Authority address) {
    this.address = address;
  }

  /** Query parameters in order, blank values left out. */
  static Map<String, String> params(String... keysAndValues) {
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
      if (keysAndValues[i + 1] != null && !keysAndValues[i + 1].isBlank()) {
        params.put(keysAndValues[i], keysAndValues[i + 1]);
      }
    }
    return params;
  }

  <T> T get(String path, Map<String, String> params, TypeReference<T> type) {
    HttpResponse<String> response = send(path, params, HttpResponse.BodyHandlers.ofString(), REQUEST_TIMEOUT);
    if (response.statusCode() != 200) {
      throw new IllegalArgumentException(error(response.statusCode(), response.body()));
    }
    try {
      return VizJson.MAPPER.readValue(response.body(), type);
    } catch (IOException e) {
      throw new IllegalStateException("the viz service at " + address + " answered something that is not its JSON: " + e.getMessage());
    }
  }

  /** Follows the tap stream, each event's JSON to {@code line}, until {@code line} throws {@link Stop} or the stream ends. */
  void tap(Map<String, String> params, Consumer<String> line) {
    HttpResponse<InputStream> response = send("/api/tap", params, HttpResponse.BodyHandlers.ofInputStream(), null);
    try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      if (response.statusCode() != 200) {
        throw new IllegalArgumentException(error(response.statusCode(), new String(response.body().readAllBytes(), StandardCharsets.UTF_8)));
      }
      for (String l = in.readLine(); l != null; l = in.readLine()) {
        line.accept(l);
      }
    } catch (Stop stop) {
      // the caller has what it wanted
    } catch (IOException e) {
      throw new UncheckedIOException("the tap stream from " + address + " broke", e);
    }
  }

  /** Thrown by a tap consumer that has seen enough. */
  static final class Stop extends RuntimeException {
    Stop() {
      super(null, null, false, false);
    }
  }

  private <T> HttpResponse<T> send(String path, Map<String, String> params, HttpResponse.BodyHandler<T> body, Duration timeout) {
    StringBuilder query = new StringBuilder();
    params.forEach((k, v) -> query.append(query.isEmpty() ? "?" : "&").append(k).append('=')
        .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + address.host() + ":" + address.port() + path + query));
    if (timeout != null) {
      request.timeout(timeout);
    }
    try {
      return http.send(request.build(), body);
    } catch (IOException e) {
      throw new IllegalStateException("cannot reach the viz service at " + address + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is it running? weft demo serves one, or give --viz HOST:PORT");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  private String error(int status, String body) {
    try {
      JsonNode error = VizJson.MAPPER.readTree(body).get("error");
      if (error != null) {
        return error.asText();
      }
    } catch (IOException e) {
      // not JSON: say what came
    }
    return "the viz service at " + address + " answered " + status + ": " + body.strip();
  }
}
