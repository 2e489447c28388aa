package io.weft.proxy.tap;

import io.linkerd.proxy.http_types.HttpMethod;
import io.linkerd.proxy.http_types.Scheme;
import io.linkerd.proxy.tap.ObserveRequest.Match;
import io.weft.protocol.net.TcpAddresses;
import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Linkerd's tap match semantics, and the matches the proxy refuses when a tap starts. */
class TapMatchTest {
  private static final TappedRequest REQUEST = new TappedRequest(
      new Request("POST", "/books/1?x=y", "books.shop:80", HttpVersion.HTTP_1_1, new Headers(), Body.EMPTY),
      new InetSocketAddress("10.1.2.3", 40000), new InetSocketAddress("10.9.0.7", 8080),
      Map.of("deployment", "books", "namespace", "shop"), Map.of());

  private static Match netmask(String ip, int mask, boolean source) {
    Match.Tcp tcp = Match.Tcp.newBuilder().setNetmask(Match.Tcp.Netmask.newBuilder()
        .setIp(TcpAddresses.of(ip, 0).getIp()).setMask(mask)).build();
    return source ? Match.newBuilder().setSource(tcp).build() : Match.newBuilder().setDestination(tcp).build();
  }

  private static Match ports(int min, int max) {
    return Match.newBuilder().setDestination(Match.Tcp.newBuilder().setPorts(Match.Tcp.PortRange.newBuilder()
        .setMin(min).setMax(max))).build();
  }

  private static Match path(String prefix) {
    return Match.newBuilder().setHttp(Match.Http.newBuilder().setPath(Match.Http.StringMatch.newBuilder().setPrefix(prefix)))
        .build();
  }

  private static boolean matches(Match match) {
    return TapMatch.compile(match).matches(REQUEST);
  }

  @Test
  void connectionEndsMatchByBlockAndPortRange() {
    assertThat(matches(netmask("10.1.0.0", 16, true))).isTrue();
    assertThat(matches(netmask("10.2.0.0", 16, true))).isFalse();
    assertThat(matches(netmask("10.9.0.7", 32, false))).isTrue();
    assertThat(matches(ports(8000, 9000))).isTrue();
    assertThat(matches(ports(8080, 0))).as("a range with one end is that port").isTrue();
    assertThat(matches(ports(0, 8081))).isFalse();
  }

  @Test
  void httpFieldsMatchAsLinkerdsDo() {
    assertThat(matches(path("/books"))).isTrue();
    assertThat(matches(Match.newBuilder().setHttp(Match.Http.newBuilder().setPath(Match.Http.StringMatch.newBuilder()
        .setExact("/books/1"))).build())).as("the path without its query").isTrue();
    assertThat(matches(Match.newBuilder().setHttp(Match.Http.newBuilder().setMethod(HttpMethod.newBuilder()
        .setRegistered(HttpMethod.Registered.POST))).build())).isTrue();
    assertThat(matches(Match.newBuilder().setHttp(Match.Http.newBuilder().setScheme(Scheme.newBuilder()
        .setRegistered(Scheme.Registered.HTTPS))).build())).isFalse();
    assertThat(matches(Match.newBuilder().setHttp(Match.Http.newBuilder().setAuthority(Match.Http.StringMatch.newBuilder()
        .setExact("books.shop:80"))).build())).isTrue();
    assertThat(matches(Match.newBuilder().setDestinationLabel(Match.Label.newBuilder().setKey("deployment").setValue("books"))
        .build())).isTrue();
    assertThat(matches(Match.newBuilder().setRouteLabel(Match.Label.newBuilder().setKey("route").setValue("x")).build()))
        .isFalse();
  }

  @Test
  void sequencesAndNegationCombine() {
    Match both = Match.newBuilder().setAll(Match.Seq.newBuilder().addMatches(path("/books")).addMatches(ports(1, 80))).build();
    Match either = Match.newBuilder().setAny(Match.Seq.newBuilder().addMatches(path("/authors")).addMatches(ports(8080, 8080)))
        .build();
    assertThat(matches(both)).isFalse();
    assertThat(matches(either)).isTrue();
    assertThat(matches(Match.newBuilder().setNot(both).build())).isTrue();
    assertThat(matches(Match.newBuilder().setAll(Match.Seq.getDefaultInstance()).build())).as("all of nothing").isTrue();
  }

  @Test
  void aMatchTheProxyCannotUseIsRefusedSayingWhy() {
    assertThatThrownBy(() -> TapMatch.compile(Match.getDefaultInstance())).hasMessageContaining("none of its fields");
    assertThatThrownBy(() -> TapMatch.compile(ports(0, 0))).hasMessageContaining("needs a port");
    assertThatThrownBy(() -> TapMatch.compile(ports(1, 70000))).hasMessageContaining("past 65535");
    assertThatThrownBy(() -> TapMatch.compile(netmask("10.0.0.0", 33, true))).hasMessageContaining("/33");
    assertThatThrownBy(() -> TapMatch.compile(Match.newBuilder().setDestinationLabel(Match.Label.newBuilder().setKey("k"))
        .build())).hasMessageContaining("key and a value");
    assertThatThrownBy(() -> TapMatch.compile(Match.newBuilder().setHttp(Match.Http.newBuilder().setMethod(HttpMethod.newBuilder()
        .setUnregistered("BAD METHOD"))).build())).hasMessageContaining("not an HTTP method");
  }
}
