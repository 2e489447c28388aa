package io.weft.proxy.route;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import io.linkerd.proxy.grpc_route.GrpcRouteMatch;
import io.linkerd.proxy.grpc_route.GrpcRpcMatch;
import io.linkerd.proxy.http_route.HeaderMatch;
import io.linkerd.proxy.http_route.HostMatch;
import io.linkerd.proxy.http_route.HttpRouteMatch;
import io.linkerd.proxy.http_route.PathMatch;
import io.linkerd.proxy.http_route.PathModifier;
import io.linkerd.proxy.http_route.QueryParamMatch;
import io.linkerd.proxy.http_route.RequestRedirect;
import io.linkerd.proxy.http_route.Timeouts;
import io.linkerd.proxy.http_types.HttpMethod;
import io.linkerd.proxy.http_types.Scheme;
import io.linkerd.proxy.meta.Metadata;
import io.linkerd.proxy.outbound.ExponentialBackoff;
import io.linkerd.proxy.outbound.GrpcRoute;
import io.linkerd.proxy.outbound.HttpRoute;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.linkerd.proxy.outbound.ProxyProtocol;
import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PolicyRoutesTest {
  private static Duration ms(int millis) {
    return Duration.newBuilder().setNanos(millis * 1_000_000).build();
  }

  private static Request request(String method, String target, String authority, String... headers) {
    Headers h = new Headers();
    for (int i = 0; i < headers.length; i += 2) {
      h.add(headers[i], headers[i + 1]);
    }
    return new Request(method, target, authority, HttpVersion.HTTP_1_1, h, Body.EMPTY);
  }

  private static HttpRoute.Rule rule(String name, HttpRouteMatch... matches) {
    // the rule's name rides on its one header filter so a test can tell which rule was picked
    return HttpRoute.Rule.newBuilder().addAllMatches(List.of(matches)).addFilters(HttpRoute.Filter.newBuilder()
        .setRequestHeaderModifier(io.linkerd.proxy.http_route.RequestHeaderModifier.newBuilder().setSet(
            io.linkerd.proxy.http_types.Headers.newBuilder().addHeaders(io.linkerd.proxy.http_types.Headers.Header.newBuilder()
                .setName("x-rule").setValue(ByteString.copyFromUtf8(name)))))).build();
  }

  private static PolicyRoutes http(HttpRoute... routes) {
    return PolicyRoutes.of(OutboundPolicy.newBuilder().setProtocol(ProxyProtocol.newBuilder().setDetect(ProxyProtocol.Detect.newBuilder()
        .setHttp1(ProxyProtocol.Http1.newBuilder().addAllRoutes(List.of(routes))))).build());
  }

  private static String picked(PolicyRoutes routes, Request request) {
    return routes.select(request, RequestParts.of(request)).map(s -> {
      RouteFilter.HeaderModifier named = (RouteFilter.HeaderModifier) s.rule().filters().getFirst();
      return named.set().getFirst().value();
    }).orElse("none");
  }

  private static HttpRouteMatch.Builder prefix(String path) {
    return HttpRouteMatch.newBuilder().setPath(PathMatch.newBuilder().setPrefix(path));
  }

  @Test
  void theMostSpecificMatchWinsAsTheGatewayApiOrdersThem() {
    PolicyRoutes routes = http(HttpRoute.newBuilder().addRules(rule("catch-all", prefix("/").build()))
        .addRules(rule("books", prefix("/books").build()))
        .addRules(rule("books-get", prefix("/books").setMethod(HttpMethod.newBuilder().setRegistered(HttpMethod.Registered.GET)).build()))
        .addRules(rule("books-header", prefix("/books").addHeaders(HeaderMatch.newBuilder().setName("x-tier")
            .setExact(ByteString.copyFromUtf8("gold"))).build()))
        .addRules(rule("books-regex", HttpRouteMatch.newBuilder().setPath(PathMatch.newBuilder().setRegex("/books/[0-9]+")).build()))
        .addRules(rule("exact", HttpRouteMatch.newBuilder().setPath(PathMatch.newBuilder().setExact("/books/1")).build()))
        .addRules(rule("query", prefix("/search").addQueryParams(QueryParamMatch.newBuilder().setName("q").setRegex("w.*")).build()))
        .build());
    assertThat(picked(routes, request("GET", "/", "api"))).isEqualTo("catch-all");
    assertThat(picked(routes, request("GET", "/bookshelf", "api"))).as("prefixes match whole segments").isEqualTo("catch-all");
    assertThat(picked(routes, request("POST", "/books/x", "api"))).isEqualTo("books");
    assertThat(picked(routes, request("GET", "/books/x", "api", "x-tier", "gold"))).as("a method outranks headers").isEqualTo("books-get");
    assertThat(picked(routes, request("PUT", "/books/x", "api", "x-tier", "gold"))).isEqualTo("books-header");
    assertThat(picked(routes, request("GET", "/books/12", "api"))).as("a regex outranks a prefix").isEqualTo("books-regex");
    assertThat(picked(routes, request("GET", "/books/1", "api"))).as("an exact path outranks all").isEqualTo("exact");
    assertThat(picked(routes, request("GET", "/search?x=1&q=weft%20mesh", "api"))).isEqualTo("query");
    assertThat(picked(routes, request("GET", "/search?q=mesh", "api"))).isEqualTo("catch-all");
    assertThat(picked(routes, request("GET", "http://api/books/1?x", "api"))).as("absolute-form targets").isEqualTo("exact");
  }

  @Test
  void hostnamesChooseTheRouteBeforeItsRules() {
    PolicyRoutes routes = http(
        HttpRoute.newBuilder().addRules(rule("any-host", prefix("/").build())).build(),
        HttpRoute.newBuilder().addHosts(HostMatch.newBuilder().setSuffix(HostMatch.Suffix.newBuilder().addReverseLabels("com")
            .addReverseLabels("example"))).addRules(rule("wildcard", prefix("/").build())).build(),
        HttpRoute.newBuilder().addHosts(HostMatch.newBuilder().setExact("api.example.com")).addRules(rule("exact-host", prefix("/x").build())).build());
    assertThat(picked(routes, request("GET", "/x", "API.example.com:8080"))).isEqualTo("exact-host");
    assertThat(picked(routes, request("GET", "/", "api.example.com"))).as("the exact host's route has no rule for /").isEqualTo("wildcard");
    assertThat(picked(routes, request("GET", "/", "web.example.com"))).isEqualTo("wildcard");
    assertThat(picked(routes, request("GET", "/", "example.com"))).as("a wildcard needs a label before its suffix").isEqualTo("any-host");
  }

  @Test
  void noMatchingRuleIsNoRoute() {
    PolicyRoutes routes = http(HttpRoute.newBuilder().addRules(rule("only", HttpRouteMatch.newBuilder()
        .setPath(PathMatch.newBuilder().setExact("/only")).build())).build());
    assertThat(routes.select(request("GET", "/other", "api"), RequestParts.of(request("GET", "/other", "api")))).isEmpty();
  }

  @Test
  void grpcMatchesNameServicesAndMethods() {
    GrpcRoute route = GrpcRoute.newBuilder()
        .addRules(GrpcRoute.Rule.newBuilder().addMatches(GrpcRouteMatch.newBuilder().setRpc(GrpcRpcMatch.newBuilder().setService("shop.Items")))
            .setRetry(GrpcRoute.Retry.newBuilder().setMaxRetries(2).setConditions(GrpcRoute.Retry.Conditions.newBuilder().setUnavailable(true))))
        .addRules(GrpcRoute.Rule.newBuilder().addMatches(GrpcRouteMatch.newBuilder().setRpc(GrpcRpcMatch.newBuilder().setMethod("Health"))))
        .build();
    PolicyRoutes routes = PolicyRoutes.of(OutboundPolicy.newBuilder().setProtocol(ProxyProtocol.newBuilder()
        .setGrpc(ProxyProtocol.Grpc.newBuilder().addRoutes(route))).build());
    assertThat(routes.grpc()).isTrue();
    Request list = request("POST", "/shop.Items/List", "api", "content-type", "application/grpc");
    PolicyRoute.Rule items = routes.select(list, RequestParts.of(list)).orElseThrow().rule();
    assertThat(items.retry().orElseThrow().grpcCodes()).containsExactly(14);
    Response unavailable = new Response(200, null, HttpVersion.HTTP_2, new Headers().add("grpc-status", "14"), Body.EMPTY);
    Response ok = new Response(200, null, HttpVersion.HTTP_2, new Headers().add("grpc-status", "0"), Body.EMPTY);
    assertThat(items.retry().orElseThrow().retryOn(unavailable)).isTrue();
    assertThat(items.retry().orElseThrow().retryOn(ok)).isFalse();
    Request health = request("POST", "/other.Svc/Health", "api");
    assertThat(routes.select(health, RequestParts.of(health)).orElseThrow().rule()).isNotSameAs(items);
    Request none = request("POST", "/other.Svc/List", "api");
    assertThat(routes.select(none, RequestParts.of(none))).isEmpty();
  }

  @Test
  void theRulesRetryAndTimeoutsComeThrough() {
    PolicyRoute.Rule rule = http(HttpRoute.newBuilder().addRules(HttpRoute.Rule.newBuilder()
        .setTimeouts(Timeouts.newBuilder().setRequest(ms(900)).setResponse(ms(600)).setIdle(ms(700)))
        .setRetry(HttpRoute.Retry.newBuilder().setMaxRetries(2).setTimeout(ms(100))
            .setConditions(HttpRoute.Retry.Conditions.newBuilder().addStatusRanges(
                HttpRoute.Retry.Conditions.StatusRange.newBuilder().setStart(502).setEnd(504)))
            .setBackoff(ExponentialBackoff.newBuilder().setMinBackoff(ms(25)).setMaxBackoff(ms(250)).setJitterRatio(1f)))).build())
        .routes().getFirst().rules().getFirst();
    assertThat(rule.matches()).as("no matches: every request").containsExactly(RouteMatch.EVERYTHING);
    assertThat(rule.timeout()).as("the sooner of request and response").contains(java.time.Duration.ofMillis(600));
    assertThat(rule.idle()).contains(java.time.Duration.ofMillis(700));
    PolicyRoute.Retry retry = rule.retry().orElseThrow();
    assertThat(retry.maxRetries()).isEqualTo(2);
    assertThat(retry.perTry()).contains(java.time.Duration.ofMillis(100));
    assertThat(retry.retryOn(new Response(503, null, HttpVersion.HTTP_1_1, new Headers(), Body.EMPTY))).isTrue();
    assertThat(retry.retryOn(new Response(500, null, HttpVersion.HTTP_1_1, new Headers(), Body.EMPTY))).isFalse();
    PolicyRoute.Backoff backoff = retry.backoff().orElseThrow();
    assertThat(backoff.before(0, 0)).isEqualTo(java.time.Duration.ofMillis(25));
    assertThat(backoff.before(0, 0.5)).isEqualTo(java.time.Duration.ofMillis(37).plusNanos(500_000));
    assertThat(backoff.before(3, 0)).isEqualTo(java.time.Duration.ofMillis(200));
    assertThat(backoff.before(10, 0.9)).as("never past the maximum").isEqualTo(java.time.Duration.ofMillis(250));
    assertThat(PolicyRoutes.of(OutboundPolicy.getDefaultInstance()).routes()).isEmpty();
  }

  @Test
  void metricLabelsFollowLinkerds() {
    PolicyRoutes routes = http(HttpRoute.newBuilder().setMetadata(Metadata.newBuilder().setDefault("http")).build());
    assertThat(routes.routes().getFirst().labels()).containsEntry("route_kind", "default").containsEntry("route_name", "http")
        .doesNotContainKey("route_port");
  }

  @Test
  void redirectsKeepWhatTheyDoNotReplace() {
    Request request = request("GET", "/books/12?page=2", "api.shop:8080");
    RouteMatch matched = RouteMatch.of(prefix("/books/").build());
    RequestParts parts = RequestParts.of(request);
    RouteFilter.Redirect prefixSwap = RouteFilter.Redirect.of(RequestRedirect.newBuilder()
        .setPath(PathModifier.newBuilder().setPrefix("/library")).build());
    assertThat(prefixSwap.status()).as("301 unless said").isEqualTo(301);
    assertThat(prefixSwap.location(request, parts, matched)).isEqualTo("http://api.shop:8080/library/12?page=2");
    RouteFilter.Redirect https = RouteFilter.Redirect.of(RequestRedirect.newBuilder()
        .setScheme(Scheme.newBuilder().setRegistered(Scheme.Registered.HTTPS)).setHost("books.example").setStatus(302).build());
    assertThat(https.location(request, parts, matched)).as("a new scheme drops the old port").isEqualTo("https://books.example/books/12?page=2");
    RouteFilter.Redirect full = RouteFilter.Redirect.of(RequestRedirect.newBuilder().setPort(9090)
        .setPath(PathModifier.newBuilder().setFull("/moved")).build());
    assertThat(full.location(request, parts, matched)).isEqualTo("http://api.shop:9090/moved?page=2");
  }

  @Test
  void headerModifiersSetThenAddThenRemove() {
    Headers headers = new Headers().add("x-a", "old").add("x-gone", "1");
    new RouteFilter.HeaderModifier(false, List.of(new RouteFilter.Field("x-a", "new")), List.of(new RouteFilter.Field("x-b", "1")),
        List.of("x-gone")).apply(headers);
    assertThat(headers.get("x-a")).isEqualTo("new");
    assertThat(headers.get("x-b")).isEqualTo("1");
    assertThat(headers.contains("x-gone")).isFalse();
  }
}
