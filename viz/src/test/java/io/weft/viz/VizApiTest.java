package io.weft.viz;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.viz.api.VizJson;
import io.weft.viz.query.ResourceRef;
import io.weft.viz.tap.TapQuery;
import io.weft.viz.tap.TapView;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The viz service as its clients use it: tap fanned out to a workload's proxies (each request
 * within a second, both ends described), the HTTP API's JSON in Linkerd's field names, tap as JSON
 * lines and over WebSocket, and bad queries answered 400 with what is wrong.
 */
class VizApiTest {
  @TempDir static Path directory;
  private static VizMesh mesh;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    mesh = VizMesh.start(directory);
  }

  @AfterAll
  static void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }

  private static HttpResponse<String> get(String pathAndQuery) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.api.getPort() + pathAndQuery)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Sends requests until {@code events} holds a whole one (the taps are placed once the proxies answer). */
  private static void primed(BlockingQueue<TapView> events, String path) {
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      mesh.get(path);
      return events.stream().anyMatch(e -> e.type().equals(TapView.END));
    });
    // A request's end can come just after its client has the answer: wait for every one begun.
    await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().filter(e -> e.type().equals(TapView.REQUEST)).count()
        == events.stream().filter(e -> e.type().equals(TapView.END)).count());
    events.clear();
  }

  @Test
  void aTapOfAWorkloadShowsEachRequestWithinASecondWithBothEndsDescribed() throws Exception {
    BlockingQueue<TapView> events = new LinkedBlockingQueue<>();
    var tapping = mesh.viz.tap(TapQuery.of(ResourceRef.parse("deploy/web"), "shop")).runWith(Sink.foreach(events::add),
        mesh.mesh.certified("watcher", "shop", com.typesafe.config.ConfigFactory.empty()).system());
    primed(events, "/warm");
    assertThat(mesh.get("/books/7")).isEqualTo(200);
    TapView request = events.poll(1, TimeUnit.SECONDS);
    TapView response = events.poll(1, TimeUnit.SECONDS);
    TapView end = events.poll(1, TimeUnit.SECONDS);
    assertThat(request).isNotNull();
    assertThat(request.type()).isEqualTo(TapView.REQUEST);
    assertThat(request.proxy()).isEqualTo("in");
    assertThat(request.method()).isEqualTo("GET");
    assertThat(request.path()).isEqualTo("/books/7");
    assertThat(request.authority()).isEqualTo(VizMesh.AUTHORITY);
    assertThat(request.tls()).isEqualTo("true");
    assertThat(request.destination()).isEqualTo(VizMesh.WEB_IP + ":8080");
    assertThat(request.destinationMeta()).containsEntry("deployment", "web").containsEntry("namespace", "shop")
        .containsEntry("pod", "web-5d9f-abcde");
    assertThat(request.sourceMeta()).containsEntry("client_id", "client.shop.serviceaccount.identity.linkerd.cluster.local");
    assertThat(response).isNotNull();
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.id()).isEqualTo(request.id());
    assertThat(end).isNotNull();
    assertThat(end.responseBytes()).isEqualTo("answered /books/7".length());
    assertThat(tapping.toCompletableFuture().isDone()).isFalse();
  }

  @Test
  void theApiAnswersJsonInLinkerdsFieldNames() throws Exception {
    mesh.scraped(); // a scrape before the request, so the window holds it
    mesh.get("/books/1");
    mesh.scraped();
    HttpResponse<String> stat = get("/api/stat?resource=deploy&namespace=shop&window=1m");
    assertThat(stat.statusCode()).isEqualTo(200);
    JsonNode rows = VizJson.MAPPER.readTree(stat.body());
    assertThat(rows).anySatisfy(row -> {
      assertThat(row.get("name").asText()).isEqualTo("web");
      assertThat(row.get("kind").asText()).isEqualTo("deployment");
      assertThat(row.get("meshed").asText()).isEqualTo("1/1");
      assertThat(row.has("latency_ms_p50")).isTrue();
      assertThat(row.has("tcp_open_connections")).isTrue();
    });
    assertThat(VizJson.MAPPER.readTree(get("/api/pods").body()).get("shop").has("deployment/web")).isTrue();
    assertThat(get("/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void aBadQueryIsAnsweredWithWhatIsWrong() throws Exception {
    HttpResponse<String> kind = get("/api/stat?resource=widgets&namespace=shop");
    assertThat(kind.statusCode()).isEqualTo(400);
    assertThat(kind.body()).contains("'widgets' is not a resource kind").contains("deployment (deploy");
    assertThat(get("/api/stat?resource=deploy&window=soon").body()).contains("window 'soon' is not a duration");
    assertThat(get("/api/stat?resource=deploy&from=deploy/a&to=deploy/b").body()).contains("cannot be used together");
    assertThat(get("/api/routes?resource=svc/nothing&namespace=shop").body()).contains("service shop/nothing does not exist");
    assertThat(get("/api/tap?resource=deploy/nothing&namespace=shop").body()).contains("has no meshed pods to tap");
  }

  @Test
  void tapStreamsAsJsonLinesAndOverWebSocket() throws Exception {
    HttpResponse<java.io.InputStream> lines = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.api.getPort()
        + "/api/tap?resource=deploy/web&namespace=shop&path=/lines")).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(lines.statusCode()).isEqualTo(200);
    assertThat(lines.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).contains("ndjson"));
    BlockingQueue<String> fromLines = new LinkedBlockingQueue<>();
    Thread reader = Thread.ofVirtual().start(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(lines.body(), StandardCharsets.UTF_8))) {
        in.lines().forEach(fromLines::add);
      } catch (Exception e) {
        // the test closes the stream
      }
    });
    BlockingQueue<String> fromSocket = new LinkedBlockingQueue<>();
    WebSocket socket = HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + mesh.api.getPort()
        + "/ws/tap?resource=deploy/web&namespace=shop&path=/socket"), new WebSocket.Listener() {
          private final StringBuilder text = new StringBuilder();

          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
              fromSocket.add(text.toString());
              text.setLength(0);
            }
            webSocket.request(1);
            return null;
          }
        }).join();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      mesh.get("/lines");
      mesh.get("/socket");
      return fromLines.stream().anyMatch(l -> l.contains("\"type\":\"end\"")) && fromSocket.stream().anyMatch(l -> l.contains("\"type\":\"end\""));
    });
    List<String> seen = new ArrayList<>(fromLines);
    assertThat(seen).allSatisfy(l -> assertThat(VizJson.MAPPER.readTree(l).get("pod").asText()).isEqualTo("web-5d9f-abcde"));
    assertThat(seen).anySatisfy(l -> assertThat(l).contains("\"path\":\"/lines\""));
    assertThat(fromSocket).anySatisfy(l -> assertThat(l).contains("\"path\":\"/socket\""));
    assertThat(fromSocket).noneSatisfy(l -> assertThat(l).contains("\"path\":\"/lines\""));
    socket.abort();
    reader.interrupt();
  }
}
