package io.weft.viz.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.k8s.model.ResourceKey;
import io.weft.k8s.model.ResourceKind;
import io.weft.protocol.admin.PrometheusSamples;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The proxies' metrics as a Prometheus that scrapes them holds them (Linkerd's {@code linkerd-proxy}
 * job, which labels each series with its pod's {@code namespace} and {@code pod}): a window is the
 * families viz reads, asked for at the window's start and at its end — two instant queries.
 */
public final class PrometheusSource implements MetricSource {
  /** The families viz reads, as one selector. */
  static final String SELECTOR = "{__name__=~\"request_total|response_total|response_latency_ms_bucket|tcp_open_connections"
      + "|tcp_read_bytes_total|tcp_write_bytes_total|route_.+|outbound_http_route_.+|outbound_grpc_route_.+\",job=\"linkerd-proxy\"}";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final URI prometheus;
  private final Duration timeout;
  private final HttpClient http;

  /** {@code prometheus}: its base address, e.g. {@code http://prometheus.linkerd-viz.svc.cluster.local:9090}. */
  public PrometheusSource(URI prometheus, Duration timeout) {
    this.prometheus = prometheus;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public Function<ResourceKey, Scrape[]> window(Duration window) {
    Instant end = Instant.now();
    Instant start = end.minus(window);
    Map<ResourceKey, Scrape> atEnd = query(end);
    Map<ResourceKey, Scrape> atStart = query(start);
    return pod -> {
      Scrape last = atEnd.get(pod);
      if (last == null) {
        return new Scrape[0];
      }
      Scrape first = atStart.getOrDefault(pod, new Scrape(nanos(start), List.of()));
      return new Scrape[] {first, last};
    };
  }

  /** Every series of the selector at {@code at}, by the pod it came from. */
  Map<ResourceKey, Scrape> query(Instant at) {
    String time = at.getEpochSecond() + "." + String.format("%09d", at.getNano());
    URI uri = prometheus.resolve("/api/v1/query?query=" + URLEncoder.encode(SELECTOR, StandardCharsets.UTF_8) + "&time=" + time);
    JsonNode answer;
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(timeout).build(),
          HttpResponse.BodyHandlers.ofString());
      answer = JSON.readTree(response.body());
      if (response.statusCode() != 200 || !"success".equals(answer.path("status").asText())) {
        throw new IllegalStateException("Prometheus at " + prometheus + " refused the query: " + answer.path("error").asText(
            "HTTP " + response.statusCode()));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot reach Prometheus at " + prometheus + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted asking Prometheus", e);
    }
    Map<ResourceKey, List<PrometheusSamples.Sample>> byPod = new HashMap<>();
    for (JsonNode series : answer.path("data").path("result")) {
      JsonNode metric = series.path("metric");
      Map<String, String> labels = new HashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = metric.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> label = it.next();
        if (!label.getKey().equals("__name__")) {
          labels.put(label.getKey(), label.getValue().asText());
        }
      }
      ResourceKey pod = new ResourceKey(ResourceKind.POD, labels.getOrDefault("namespace", ""), labels.getOrDefault("pod", ""));
      byPod.computeIfAbsent(pod, p -> new ArrayList<>()).add(new PrometheusSamples.Sample(metric.path("__name__").asText(),
          Map.copyOf(labels), PrometheusSamples.number(series.path("value").path(1).asText())));
    }
    Map<ResourceKey, Scrape> scrapes = new HashMap<>();
    byPod.forEach((pod, samples) -> scrapes.put(pod, new Scrape(nanos(at), samples)));
    return scrapes;
  }

  private static long nanos(Instant at) {
    return at.getEpochSecond() * NANOS_PER_SECOND + at.getNano();
  }
}
