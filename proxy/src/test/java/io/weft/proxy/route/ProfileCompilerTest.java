package io.weft.proxy.route;

import com.google.protobuf.Duration;
import io.linkerd.proxy.destination.DestinationProfile;
import io.linkerd.proxy.destination.HttpStatusRange;
import io.linkerd.proxy.destination.PathMatch;
import io.linkerd.proxy.destination.RequestMatch;
import io.linkerd.proxy.destination.ResponseClass;
import io.linkerd.proxy.destination.ResponseMatch;
import io.linkerd.proxy.destination.RetryBudget;
import io.linkerd.proxy.destination.Route;
import io.linkerd.proxy.destination.WeightedDst;
import io.linkerd.proxy.http_types.HttpMethod;
import io.linkerd.proxy.meta.Metadata;
import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProfileCompilerTest {
  private static Request request(String method, String target) {
    return new Request(method, target, "api.shop", HttpVersion.HTTP_1_1, new Headers(), Body.EMPTY);
  }

  private static Response response(int status, String... headers) {
    Headers h = new Headers();
    for (int i = 0; i < headers.length; i += 2) {
      h.add(headers[i], headers[i + 1]);
    }
    return new Response(status, null, HttpVersion.HTTP_1_1, h, Body.EMPTY);
  }

  private static RequestMatch path(String regex) {
    return RequestMatch.newBuilder().setPath(PathMatch.newBuilder().setRegex(regex)).build();
  }

  private static RequestMatch method(HttpMethod.Registered m) {
    return RequestMatch.newBuilder().setMethod(HttpMethod.newBuilder().setRegistered(m)).build();
  }

  private static Route.Builder route(String name, RequestMatch condition) {
    return Route.newBuilder().setCondition(condition).putMetricsLabels("route", name);
  }

  @Test
  void routesMatchInOrderOnTheWholePathAndTheMethod() {
    Profile profile = ProfileCompiler.compile(DestinationProfile.newBuilder()
        .setProfileRef(Metadata.newBuilder().setDefault("sp"))
        .addRoutes(route("GET /books/{id}", RequestMatch.newBuilder().setAll(RequestMatch.Seq.newBuilder()
            .addMatches(method(HttpMethod.Registered.GET)).addMatches(path("/books/[^/]+"))).build()))
        .addRoutes(route("not GET", RequestMatch.newBuilder().setNot(method(HttpMethod.Registered.GET)).build()))
        .addRoutes(route("PURGE", RequestMatch.newBuilder().setMethod(HttpMethod.newBuilder().setUnregistered("PURGE")).build()))
        .build());
    assertThat(profile.fromServiceProfile()).isTrue();
    assertThat(profile.route(request("GET", "/books/7?x=/y")).name()).isEqualTo("GET /books/{id}");
    assertThat(profile.route(request("GET", "/books/7/reviews"))).isSameAs(ProfileRoute.DEFAULT);
    assertThat(profile.route(request("POST", "/books/7")).name()).isEqualTo("not GET");
    assertThat(profile.route(request("GET", "/"))).isSameAs(ProfileRoute.DEFAULT);
  }

  @Test
  void aRouteThatCannotBeUsedIsLeftOutAndTheRestApply() {
    Profile profile = ProfileCompiler.compile(DestinationProfile.newBuilder().setFullyQualifiedName("api.shop.svc.cluster.local")
        .addRoutes(route("broken", path("/books/(")))
        .addRoutes(route("empty", RequestMatch.getDefaultInstance()))
        .addRoutes(route("ok", path("/ok")).setIsRetryable(true).setTimeout(Duration.newBuilder().setNanos(250_000_000)))
        .build());
    assertThat(profile.routes()).extracting(ProfileRoute::name).containsExactly("ok");
    ProfileRoute ok = profile.routes().getFirst();
    assertThat(ok.retryable()).isTrue();
    assertThat(ok.timeout()).contains(java.time.Duration.ofMillis(250));
    assertThat(profile.fromServiceProfile()).isFalse();
  }

  @Test
  void responseClassesDecideInOrderElseTheDefault() {
    Route r = route("r", path("/r"))
        .addResponseClasses(ResponseClass.newBuilder().setIsFailure(false)
            .setCondition(ResponseMatch.newBuilder().setStatus(HttpStatusRange.newBuilder().setMin(503).setMax(503))))
        .addResponseClasses(ResponseClass.newBuilder().setIsFailure(true)
            .setCondition(ResponseMatch.newBuilder().setStatus(HttpStatusRange.newBuilder().setMin(400).setMax(599))))
        .build();
    ResponseClasses classes = ProfileCompiler.compile(DestinationProfile.newBuilder().addRoutes(r).build()).routes().getFirst().classes();
    assertThat(classes.isFailure(response(503))).isFalse();
    assertThat(classes.isFailure(response(404))).isTrue();
    assertThat(classes.isFailure(response(200))).isFalse();
    assertThat(ResponseClasses.DEFAULT.isFailure(response(502))).isTrue();
    assertThat(ResponseClasses.DEFAULT.isFailure(response(200, "grpc-status", "14"))).isTrue();
    assertThat(ResponseClasses.DEFAULT.isFailure(response(200, "grpc-status", "0"))).isFalse();
  }

  @Test
  void budgetAndSplitComeThroughAndNonsenseIsDropped() {
    Profile profile = ProfileCompiler.compile(DestinationProfile.newBuilder()
        .setRetryBudget(RetryBudget.newBuilder().setRetryRatio(0.3f).setMinRetriesPerSecond(50).setTtl(Duration.newBuilder().setSeconds(60)))
        .addDstOverrides(WeightedDst.newBuilder().setAuthority("web.shop.svc.cluster.local:80").setWeight(900))
        .addDstOverrides(WeightedDst.newBuilder().setAuthority("web-v2.shop.svc.cluster.local:80").setWeight(100))
        .addDstOverrides(WeightedDst.newBuilder().setAuthority("").setWeight(5))
        .addDstOverrides(WeightedDst.newBuilder().setAuthority("zero.shop.svc.cluster.local:80").setWeight(0))
        .build());
    assertThat(profile.budget()).isEqualTo(new Profile.Budget(0.3f, 50, java.time.Duration.ofSeconds(60)));
    assertThat(profile.splits()).containsExactly(new Profile.Split("web.shop.svc.cluster.local:80", 900),
        new Profile.Split("web-v2.shop.svc.cluster.local:80", 100));
    assertThat(ProfileCompiler.compile(DestinationProfile.getDefaultInstance()).budget()).isEqualTo(Profile.Budget.DEFAULT);
  }
}
