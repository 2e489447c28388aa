package io.weft.proxy.tap;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import io.linkerd.proxy.http_types.HttpMethod;
import io.linkerd.proxy.tap.ObserveRequest;
import io.linkerd.proxy.tap.TapEvent;
import io.weft.protocol.net.TcpAddresses;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.ProxyRuntime;
import io.weft.proxy.RawHttp;
import io.weft.proxy.RuntimeMesh;
import io.weft.proxy.TestIdentities;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Tap through the real proxy pair, as the proxy program runs (its tap port behind the tap
 * service's identity): a client pod's proxy calls the web Service, whose pod's proxy is tapped;
 * both sides' events carry Linkerd's fields, and a tap client that stops reading loses events
 * but never holds up a request.
 */
class TapTest {
  private static final String WEB_IP = "127.0.0.41";
  private static final String CLIENT_IP = "127.0.0.42";
  private static final int APP_PORT = 8080;
  private static final String AUTHORITY = "web.shop.svc.cluster.local:80";
  private static final String BODY = "hello";
  private static final String WEB_ID = TestIdentities.name("web", "shop");
  private static final String CLIENT_ID = TestIdentities.name("client", "shop");
  private static final String TAP_ID = RuntimeMesh.TAP_ID;
  /** Events a tap holds for a slow client before dropping: small, so the slow-client case fills it quickly. */
  private static final int TAP_BUFFER = 16;

  @TempDir static Path manifests;
  private static RuntimeMesh mesh;
  private static ProxyRuntime web;
  private static ProxyRuntime client;
  private static HttpServer app;
  /** grpc-java's interop server: the web pod's gRPC port. */
  private static Process grpcServer;
  private static int grpcPort;
  private static ActorSystem<Void> tapSystem;
  private static RuntimeMesh.Certified tap;
  private static RuntimeMesh.Certified stranger;

  @BeforeAll
  static void start() throws Exception {
    grpcPort = LocalMesh.freePort();
    grpcServer = io.weft.proxy.GrpcInterop.server(grpcPort, manifests.resolve("grpc-server.log"));
    mesh = RuntimeMesh.startShop(manifests, WEB_IP, CLIENT_IP, List.of(new RuntimeMesh.ServicePort("http", 80, APP_PORT),
        new RuntimeMesh.ServicePort("grpc", 81, grpcPort)), "weft.proxy.tap.buffer = " + TAP_BUFFER);
    web = mesh.proxy("web-0");
    client = mesh.proxy("client-0");
    app = HttpServer.create(new InetSocketAddress(WEB_IP, APP_PORT), 0);
    app.createContext("/", exchange -> {
      byte[] body = BODY.getBytes(StandardCharsets.US_ASCII);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    app.start();
    // Small HTTP/2 windows, so a tap client that stops reading stops the proxy's sending soon.
    tap = mesh.certified("tap", "linkerd-viz", ConfigFactory.parseString(
        "pekko.http.client.http2.incoming-stream-level-buffer-size = 8kB\n"
            + "pekko.http.client.http2.incoming-connection-level-buffer-size = 64kB"));
    tapSystem = tap.system();
    stranger = mesh.certified("stranger", "linkerd-viz", ConfigFactory.empty());
    // The interop server listens on 127.0.0.1 only: the web pod's address relays to it.
    org.apache.pekko.stream.javadsl.Tcp.get(tapSystem).bind(WEB_IP, grpcPort)
        .to(Sink.foreach(c -> c.handleWith(org.apache.pekko.stream.javadsl.Tcp.get(tapSystem)
            .outgoingConnection("127.0.0.1", grpcPort), tapSystem)))
        .run(tapSystem).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (mesh != null) {
      mesh.close();
    }
    if (app != null) {
      app.stop(0);
    }
    if (grpcServer != null) {
      grpcServer.destroyForcibly();
    }
  }

  private static ObserveRequest pathPrefix(String prefix, int limit) {
    return ObserveRequest.newBuilder().setLimit(limit)
        .setMatch(ObserveRequest.Match.newBuilder().setHttp(ObserveRequest.Match.Http.newBuilder()
            .setPath(ObserveRequest.Match.Http.StringMatch.newBuilder().setPrefix(prefix))))
        .setExtract(ObserveRequest.Extract.newBuilder().setHttp(ObserveRequest.Extract.Http.newBuilder()
            .setHeaders(ObserveRequest.Extract.Http.Headers.getDefaultInstance())))
        .build();
  }

  /** Starts a tap of {@code proxy}'s tap port, its events collected as they come. */
  private static BlockingQueue<TapEvent> tap(ProxyRuntime proxy, String proxyId, ObserveRequest request) {
    BlockingQueue<TapEvent> events = new LinkedBlockingQueue<>();
    RemoteTap.observe(tapSystem, tap.tls(), new InetSocketAddress(proxy.inboundAddress().getAddress(), 4190), proxyId,
        request).runWith(Sink.foreach(events::add), tapSystem);
    return events;
  }

  private static String get(String path) throws Exception {
    return RawHttp.get(client.outboundAddress(), AUTHORITY, path);
  }

  /**
   * Sends requests until {@code events} has a whole request's events (the tap is registered once
   * the proxy answers the call), then forgets them.
   */
  private static void primed(BlockingQueue<TapEvent> events, String path) throws Exception {
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      get(path);
      return events.stream().anyMatch(e -> e.getHttp().hasResponseEnd());
    });
    // A request's end can come just after its client has the answer: wait for every one begun.
    await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().filter(e -> e.getHttp().hasRequestInit()).count()
        == events.stream().filter(e -> e.getHttp().hasResponseEnd()).count());
    events.clear();
  }

  private static TapEvent next(BlockingQueue<TapEvent> events) throws InterruptedException {
    TapEvent event = events.poll(1, TimeUnit.SECONDS);
    assertThat(event).as("a tap event within 1 s").isNotNull();
    return event;
  }

  @Test
  void eachRequestIsSeenOnBothSidesWithinASecondWithLinkerdsFields() throws Exception {
    BlockingQueue<TapEvent> inbound = tap(web, WEB_ID, pathPrefix("/inbound", 100));
    primed(inbound, "/inbound/warm");
    BlockingQueue<TapEvent> outbound = tap(client, CLIENT_ID, pathPrefix("/outbound", 100));
    primed(outbound, "/outbound/warm");
    inbound.clear();
    outbound.clear();

    assertThat(get("/inbound/a?x=1")).startsWith("HTTP/1.1 200").endsWith(BODY);
    TapEvent init = next(inbound);
    TapEvent head = next(inbound);
    TapEvent end = next(inbound);
    assertThat(init.getProxyDirection()).isEqualTo(TapEvent.ProxyDirection.INBOUND);
    assertThat(init.getHttp().getRequestInit().getMethod().getRegistered()).isEqualTo(HttpMethod.Registered.GET);
    assertThat(init.getHttp().getRequestInit().getPath()).isEqualTo("/inbound/a");
    assertThat(init.getHttp().getRequestInit().getAuthority()).isEqualTo(AUTHORITY);
    assertThat(TcpAddresses.format(init.getDestination())).isEqualTo(WEB_IP + ":" + APP_PORT);
    // The client pod's proxy connects from the host's loopback address (pods here share one host).
    assertThat(TcpAddresses.toInetAddress(init.getSource().getIp()).isLoopbackAddress()).isTrue();
    assertThat(init.getSource().getPort()).isPositive();
    assertThat(init.getSourceMeta().getLabelsMap()).containsEntry("tls", "true").containsEntry("client_id", CLIENT_ID);
    assertThat(head.getHttp().getResponseInit().getHttpStatus()).isEqualTo(200);
    assertThat(head.getHttp().getResponseInit().getId()).isEqualTo(init.getHttp().getRequestInit().getId());
    assertThat(head.getHttp().getResponseInit().hasSinceRequestInit()).isTrue();
    assertThat(head.getHttp().getResponseInit().getHeaders().getHeadersList())
        .anySatisfy(h -> assertThat(h.getName()).isEqualToIgnoringCase("date"));
    assertThat(end.getHttp().getResponseEnd().getResponseBytes()).isEqualTo(BODY.length());
    assertThat(end.getHttp().getResponseEnd().getId()).isEqualTo(init.getHttp().getRequestInit().getId());
    assertThat(end.getHttp().getResponseEnd().getEos().getEndCase()).isEqualTo(io.linkerd.proxy.tap.Eos.EndCase.END_NOT_SET);

    assertThat(get("/outbound/b")).startsWith("HTTP/1.1 200");
    TapEvent out = next(outbound);
    assertThat(out.getProxyDirection()).isEqualTo(TapEvent.ProxyDirection.OUTBOUND);
    assertThat(out.getHttp().getRequestInit().getPath()).isEqualTo("/outbound/b");
    assertThat(TcpAddresses.format(out.getDestination())).isEqualTo(WEB_IP + ":" + APP_PORT);
    assertThat(out.getDestinationMeta().getLabelsMap()).containsEntry("tls", "true").containsEntry("server_id", WEB_ID)
        .containsEntry("pod", "web-0").containsEntry("namespace", "shop");
    assertThat(out.getSourceMeta().getLabelsMap()).containsEntry("tls", "loopback");
    assertThat(next(outbound).getHttp().getResponseInit().getHttpStatus()).isEqualTo(200);
    assertThat(next(outbound).getHttp().getResponseEnd().getResponseBytes()).isEqualTo(BODY.length());

    // What the match leaves out is not shown.
    get("/elsewhere");
    assertThat(inbound.poll(300, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void aGrpcCallsStatusIsSeenAtItsEndAndStillReachesTheCaller() throws Exception {
    BlockingQueue<TapEvent> inbound = tap(web, WEB_ID, pathPrefix("/grpc.testing.TestService/", 100));
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      interop("empty_unary");
      return !inbound.isEmpty();
    });
    inbound.clear();
    // The client checks it got status 2 and its message: the trailers crossed both proxies while tapped.
    assertThat(interop("status_code_and_message")).as(() -> interopLog("status_code_and_message")).isZero();
    List<TapEvent.Http.ResponseEnd> ends = new ArrayList<>();
    await().atMost(Duration.ofSeconds(1)).until(() -> {
      inbound.stream().filter(e -> e.getHttp().hasResponseEnd()).forEach(e -> ends.add(e.getHttp().getResponseEnd()));
      inbound.clear();
      return ends.size() >= 2; // the unary call and the streaming one
    });
    // Each an error answer (trailers-only or after messages): the status is read wherever it came.
    assertThat(ends).allSatisfy(end -> assertThat(end.getEos().getGrpcStatusCode()).isEqualTo(2));
    assertThat(interop("large_unary")).as(() -> interopLog("large_unary")).isZero();
    TapEvent end = null;
    while (end == null || !end.getHttp().hasResponseEnd()) {
      end = next(inbound);
    }
    assertThat(end.getHttp().getResponseEnd().getEos().hasGrpcStatusCode()).isTrue();
    assertThat(end.getHttp().getResponseEnd().getEos().getGrpcStatusCode()).isZero();
    assertThat(end.getHttp().getResponseEnd().getResponseBytes()).isGreaterThan(271_828); // the large response
    assertThat(end.getHttp().getResponseEnd().getTrailers().getHeadersList())
        .anySatisfy(h -> assertThat(h.getName()).isEqualTo("grpc-status"));
  }

  private static String interopLog(String testCase) {
    try {
      return Files.readString(manifests.resolve("grpc-client-" + testCase + ".log"));
    } catch (java.io.IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** grpc-java's interop client running {@code testCase} through the client pod's proxy: its exit code. */
  private static int interop(String testCase) throws Exception {
    Process process = io.weft.proxy.GrpcInterop.client(CLIENT_IP, 4140, "web.shop.svc.cluster.local:81", testCase)
        .redirectErrorStream(true).redirectOutput(manifests.resolve("grpc-client-" + testCase + ".log").toFile()).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return process.exitValue();
  }

  @Test
  void aTapEndsOnceItsLimitOfRequestsHasEnded() throws Exception {
    List<TapEvent> events = new ArrayList<>();
    var done = RemoteTap.observe(tapSystem, tap.tls(), new InetSocketAddress(WEB_IP, 4190), WEB_ID,
        pathPrefix("/limited", 2)).runWith(Sink.foreach(events::add), tapSystem);
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      get("/limited");
      return done.toCompletableFuture().isDone();
    });
    assertThat(events).hasSize(6);
    assertThat(events.stream().map(e -> e.getHttp().getEventCase()).toList()).containsOnly(
        TapEvent.Http.EventCase.REQUEST_INIT, TapEvent.Http.EventCase.RESPONSE_INIT, TapEvent.Http.EventCase.RESPONSE_END);
  }

  @Test
  void onlyTheTapServicesIdentityMayTap() {
    var refused = RemoteTap.observe(stranger.system(), stranger.tls(), new InetSocketAddress(WEB_IP, 4190), WEB_ID,
        pathPrefix("/", 1)).runWith(Sink.seq(), stranger.system()).toCompletableFuture();
    assertThatThrownBy(refused::join).isInstanceOf(CompletionException.class)
        .hasMessageContaining("grpc-status 7").hasMessageContaining(TAP_ID).hasMessageContaining(TestIdentities.name("stranger", "linkerd-viz"));
  }

  @Test
  void aTapTheProxyCannotServeIsRefusedWithWhatIsWrong() {
    ObserveRequest noLimit = pathPrefix("/", 1).toBuilder().setLimit(0).build();
    assertThatThrownBy(() -> RemoteTap.observe(tapSystem, tap.tls(), new InetSocketAddress(WEB_IP, 4190), WEB_ID, noLimit)
        .runWith(Sink.seq(), tapSystem).toCompletableFuture().join())
        .hasMessageContaining("grpc-status 3").hasMessageContaining("limit must be positive");
    ObserveRequest badPorts = ObserveRequest.newBuilder().setLimit(1).setMatch(ObserveRequest.Match.newBuilder()
        .setDestination(ObserveRequest.Match.Tcp.newBuilder().setPorts(ObserveRequest.Match.Tcp.PortRange.newBuilder()
            .setMin(70000)))).build();
    assertThatThrownBy(() -> RemoteTap.observe(tapSystem, tap.tls(), new InetSocketAddress(WEB_IP, 4190), WEB_ID, badPorts)
        .runWith(Sink.seq(), tapSystem).toCompletableFuture().join())
        .hasMessageContaining("grpc-status 3").hasMessageContaining("70000");
  }

  @Test
  void aTapClientThatStopsReadingNeverHoldsUpTraffic() throws Exception {
    Duration before = median(200, "/steady");
    // Reads its first event, then nothing more: the proxy's queue for it fills and overflows.
    SinkQueueWithCancel<TapEvent> stalled = RemoteTap.observe(tapSystem, tap.tls(), new InetSocketAddress(WEB_IP, 4190),
        WEB_ID, pathPrefix("/", Integer.MAX_VALUE)).runWith(Sink.queue(), tapSystem);
    var first = stalled.pull().toCompletableFuture();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      get("/stalled");
      return first.isDone();
    });
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      get("/stalled");
      return dropped(web) > 0;
    });
    Duration during = median(200, "/steady");
    assertThat(during).as("median latency with a stalled tap (before: %s)", before)
        .isLessThanOrEqualTo(before.multipliedBy(3).plusMillis(5));
    stalled.cancel();
  }

  private static double dropped(ProxyRuntime proxy) {
    return proxy.metrics().snapshot().stream().filter(m -> m.getMetadata().getName().equals("tap_event_dropped"))
        .flatMap(m -> m.getDataPoints().stream())
        .mapToDouble(p -> ((io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot) p).getValue()).sum();
  }

  private static Duration median(int requests, String path) throws Exception {
    long[] nanos = new long[requests];
    for (int i = 0; i < requests; i++) {
      long start = System.nanoTime();
      assertThat(get(path)).startsWith("HTTP/1.1 200");
      nanos[i] = System.nanoTime() - start;
    }
    java.util.Arrays.sort(nanos);
    return Duration.ofNanos(nanos[requests / 2]);
  }
}
