package io.weft.protocol.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.destination.ProtocolHint;
import io.linkerd.proxy.destination.TlsIdentity;
import io.linkerd.proxy.destination.WeightedAddr;
import io.linkerd.proxy.grpc_route.GrpcRouteMatch;
import io.linkerd.proxy.grpc_route.GrpcRpcMatch;
import io.linkerd.proxy.http_route.HttpRouteMatch;
import io.linkerd.proxy.http_route.PathMatch;
import io.linkerd.proxy.http_types.HttpMethod;
import io.linkerd.proxy.identity.CertifyRequest;
import io.linkerd.proxy.inbound.Authn;
import io.linkerd.proxy.inbound.Authz;
import io.linkerd.proxy.inbound.PortSpec;
import io.linkerd.proxy.inbound.ProxyProtocol;
import io.linkerd.proxy.inbound.Server;
import io.linkerd.proxy.meta.Metadata;
import io.linkerd.proxy.meta.Resource;
import io.linkerd.proxy.net.IPAddress;
import io.linkerd.proxy.net.IPv6;
import io.linkerd.proxy.net.TcpAddress;
import io.linkerd.proxy.opaque_route.Invalid;
import io.linkerd.proxy.outbound.TrafficSpec;
import io.linkerd.proxy.tap.ObserveRequest;
import io.linkerd.proxy.tls_route.SniMatch;
import io.weft.protocol.transport.Header;
import io.weft.protocol.transport.SessionProtocol;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wire bytes of a populated message of each proto, written out here by hand from Linkerd's
 * field numbers and types (a small encoder, independent of the generated code): a field number or
 * type that slips in a .proto changes the bytes and fails its row.
 */
class ProtoGoldenBytesTest {
  // --- the protobuf wire format, by hand ---
  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LENGTH_DELIMITED = 2;
  private static final int FIXED32 = 5;

  private static byte[] message(byte[]... fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] f : fields) {
      out.writeBytes(f);
    }
    return out.toByteArray();
  }

  private static void varint(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }

  private static byte[] tag(int field, int wireType) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    varint(out, ((long) field << 3) | wireType);
    return out.toByteArray();
  }

  private static byte[] uint(int field, long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(tag(field, VARINT));
    varint(out, value);
    return out.toByteArray();
  }

  private static byte[] bytes(int field, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(tag(field, LENGTH_DELIMITED));
    varint(out, value.length);
    out.writeBytes(value);
    return out.toByteArray();
  }

  private static byte[] string(int field, String value) {
    return bytes(field, value.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] fixed32(int field, int value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(tag(field, FIXED32));
    for (int i = 0; i < 4; i++) {
      out.write((value >>> (8 * i)) & 0xFF);
    }
    return out.toByteArray();
  }

  private static byte[] fixed64(int field, long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(tag(field, FIXED64));
    for (int i = 0; i < 8; i++) {
      out.write((int) ((value >>> (8 * i)) & 0xFF));
    }
    return out.toByteArray();
  }

  /** A map entry: key 1, value 2. */
  private static byte[] entry(int field, String key, String value) {
    return bytes(field, message(string(1, key), string(2, value)));
  }

  private static void golden(Message built, byte[] expected) {
    assertThat(built.toByteArray()).as(built.getDescriptorForType().getFullName()).isEqualTo(expected);
  }

  // --- one row per proto ---
  private static final byte[] TEN_0_0_7_PORT_8080 = message(bytes(1, fixed32(1, 0x0A000007)), uint(2, 8080));

  @Test
  void net() {
    golden(TcpAddress.newBuilder().setIp(IPAddress.newBuilder().setIpv4(0x0A000007)).setPort(8080).build(), TEN_0_0_7_PORT_8080);
    golden(IPAddress.newBuilder().setIpv6(IPv6.newBuilder().setFirst(0xFD00_0000_0000_0000L).setLast(7)).build(),
        message(bytes(2, message(fixed64(1, 0xFD00_0000_0000_0000L), fixed64(2, 7)))));
  }

  @Test
  void destination() {
    golden(GetDestination.newBuilder().setScheme("k8s").setPath("web.shop.svc.cluster.local:80").setContextToken("{}").build(),
        message(string(1, "k8s"), string(2, "web.shop.svc.cluster.local:80"), string(3, "{}")));
    golden(WeightedAddr.newBuilder()
            .setAddr(TcpAddress.newBuilder().setIp(IPAddress.newBuilder().setIpv4(0x0A000007)).setPort(8080))
            .setWeight(10000).putMetricLabels("pod", "web-0")
            .setTlsIdentity(TlsIdentity.newBuilder().setDnsLikeIdentity(TlsIdentity.DnsLikeIdentity.newBuilder().setName("web.id")))
            .setProtocolHint(ProtocolHint.newBuilder().setH2(ProtocolHint.H2.getDefaultInstance())
                .setOpaqueTransport(ProtocolHint.OpaqueTransport.newBuilder().setInboundPort(4143)))
            .build(),
        message(bytes(1, TEN_0_0_7_PORT_8080), uint(3, 10000), entry(4, "pod", "web-0"),
            bytes(5, message(bytes(1, message(string(1, "web.id"))))),
            bytes(6, message(bytes(1, new byte[0]), bytes(2, message(uint(1, 4143)))))));
  }

  @Test
  void identity() {
    golden(CertifyRequest.newBuilder().setIdentity("web.id").setToken(ByteString.copyFromUtf8("jwt"))
            .setCertificateSigningRequest(ByteString.copyFrom(new byte[] {0x30, 0x01})).build(),
        message(string(1, "web.id"), string(2, "jwt"), bytes(3, new byte[] {0x30, 0x01})));
  }

  @Test
  void inbound() {
    golden(PortSpec.newBuilder().setWorkload("{\"ns\":\"shop\",\"pod\":\"web-0\"}").setPort(8080).build(),
        message(string(1, "{\"ns\":\"shop\",\"pod\":\"web-0\"}"), uint(2, 8080)));
    golden(Server.newBuilder()
            .setProtocol(ProxyProtocol.newBuilder().setHttp1(ProxyProtocol.Http1.getDefaultInstance()))
            .addAuthorizations(Authz.newBuilder().setAuthentication(Authn.newBuilder()
                .setUnauthenticated(Authn.PermitUnauthenticated.getDefaultInstance())))
            .putLabels("name", "web-http").build(),
        message(bytes(1, message(bytes(4, new byte[0]))), bytes(3, message(bytes(2, message(bytes(1, new byte[0]))))),
            entry(4, "name", "web-http")));
  }

  @Test
  void outbound() {
    golden(TrafficSpec.newBuilder().setSourceWorkload("shop:client-0").setAuthority("web.shop.svc.cluster.local:80").build(),
        message(string(1, "shop:client-0"), string(3, "web.shop.svc.cluster.local:80")));
    golden(TrafficSpec.newBuilder().setAddr(TcpAddress.newBuilder().setIp(IPAddress.newBuilder().setIpv4(0x0A000007)).setPort(8080))
        .build(), message(bytes(2, TEN_0_0_7_PORT_8080)));
  }

  @Test
  void meta() {
    golden(Metadata.newBuilder().setResource(Resource.newBuilder().setGroup("policy.linkerd.io").setKind("Server").setName("web")
            .setNamespace("shop").setSection("rule-1").setPort(80)).build(),
        message(bytes(2, message(string(1, "policy.linkerd.io"), string(2, "Server"), string(3, "web"), string(4, "shop"),
            string(5, "rule-1"), uint(6, 80)))));
    golden(Metadata.newBuilder().setDefault("all-unauthenticated").build(), message(string(1, "all-unauthenticated")));
  }

  @Test
  void httpTypes() {
    golden(HttpMethod.newBuilder().setRegistered(HttpMethod.Registered.POST).build(), message(uint(1, 1)));
    golden(HttpMethod.newBuilder().setUnregistered("PURGE").build(), message(string(2, "PURGE")));
    golden(io.linkerd.proxy.http_types.Headers.newBuilder().addHeaders(io.linkerd.proxy.http_types.Headers.Header.newBuilder()
            .setName("x-a").setValue(ByteString.copyFromUtf8("1"))).build(),
        message(bytes(1, message(string(1, "x-a"), string(2, "1")))));
  }

  @Test
  void httpRoute() {
    golden(HttpRouteMatch.newBuilder().setPath(PathMatch.newBuilder().setPrefix("/books"))
            .setMethod(HttpMethod.newBuilder().setRegistered(HttpMethod.Registered.GET)).build(),
        // GET is the enum's zero, written because it is set in a oneof.
        message(bytes(1, message(string(2, "/books"))), bytes(4, message(uint(1, 0)))));
  }

  @Test
  void grpcRoute() {
    golden(GrpcRouteMatch.newBuilder().setRpc(GrpcRpcMatch.newBuilder().setService("emojivoto.v1.VotingService").setMethod("Vote"))
            .build(),
        message(bytes(1, message(string(1, "emojivoto.v1.VotingService"), string(2, "Vote")))));
  }

  @Test
  void opaqueAndTlsRoutes() {
    golden(Invalid.newBuilder().setMessage("no backend").build(), message(string(1, "no backend")));
    golden(SniMatch.newBuilder().setSuffix(SniMatch.Suffix.newBuilder().addReverseLabels("local").addReverseLabels("cluster")).build(),
        message(bytes(2, message(string(1, "local"), string(1, "cluster")))));
  }

  @Test
  void tap() {
    golden(ObserveRequest.newBuilder().setLimit(100)
            .setMatch(ObserveRequest.Match.newBuilder().setHttp(ObserveRequest.Match.Http.newBuilder()
                .setPath(ObserveRequest.Match.Http.StringMatch.newBuilder().setPrefix("/api"))))
            .setExtract(ObserveRequest.Extract.newBuilder().setHttp(ObserveRequest.Extract.Http.newBuilder()
                .setHeaders(ObserveRequest.Extract.Http.Headers.getDefaultInstance())))
            .build(),
        message(uint(1, 100), bytes(2, message(bytes(6, message(bytes(4, message(string(2, "/api"))))))),
            bytes(3, message(bytes(1, message(bytes(1, new byte[0])))))));
  }

  @Test
  void transportHeader() {
    golden(Header.newBuilder().setPort(8080).setName("web.shop.svc.cluster.local")
            .setSessionProtocol(SessionProtocol.newBuilder().setHttp2(SessionProtocol.Http2.getDefaultInstance())).build(),
        message(uint(1, 8080), string(2, "web.shop.svc.cluster.local"), bytes(3, message(bytes(2, new byte[0])))));
  }

  /** {@code google.protobuf.Duration} of whole seconds. */
  private static byte[] seconds(int field, long value) {
    return bytes(field, message(uint(1, value)));
  }

  @Test
  void profile() {
    com.google.protobuf.Duration tenSeconds = com.google.protobuf.Duration.newBuilder().setSeconds(10).build();
    golden(io.linkerd.proxy.profile.ServiceProfile.newBuilder()
            .addRequestClasses(io.linkerd.proxy.profile.RequestClass.newBuilder()
                .setCondition(io.linkerd.proxy.profile.RequestMatch.newBuilder().setPath("^/books/.*$"))
                .addResponseClasses(io.linkerd.proxy.profile.ResponseClass.newBuilder()
                    .setCondition(io.linkerd.proxy.profile.ResponseMatch.newBuilder()
                        .setStatus(io.linkerd.proxy.profile.HttpStatusRange.newBuilder().setMin(500)))
                    .setIsFailure(true).setIsRetryable(true)))
            .setRetryBudget(io.linkerd.proxy.profile.RetryBudget.newBuilder().setMaxRetryRatio(0.2f).setTtl(tenSeconds)
                .setAdditionalRetriesPerSecond(10))
            .setDefaultRetryTimeout(tenSeconds).build(),
        message(bytes(1, message(bytes(1, message(string(4, "^/books/.*$"))),
                bytes(2, message(bytes(1, message(bytes(4, message(uint(1, 500))))), uint(2, 1), uint(3, 1))))),
            bytes(2, message(fixed32(1, Float.floatToIntBits(0.2f)), seconds(2, 10), uint(3, 10))),
            seconds(3, 10)));
  }

  @Test
  void clientPolicy() {
    var timeout = io.linkerd.proxy.client_policy.Filter.newBuilder().setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(2));
    var route = io.linkerd.proxy.client_policy.HttpRoute.newBuilder()
        .addRules(io.linkerd.proxy.client_policy.HttpRoute.Rule.newBuilder().addFilters(timeout));
    var protocol = io.linkerd.proxy.client_policy.ProxyProtocol.newBuilder()
        .setHttp2(io.linkerd.proxy.client_policy.ProxyProtocol.Http2.newBuilder().addRoutes(route));
    byte[] timeoutBytes = message(seconds(1, 2));
    byte[] routeBytes = message(bytes(3, message(bytes(2, timeoutBytes))));
    golden(io.linkerd.proxy.client_policy.ClientPolicy.newBuilder().setFullyQualifiedName("web.shop.svc.cluster.local")
            .setProtocol(protocol).build(),
        message(string(1, "web.shop.svc.cluster.local"), bytes(2, message(bytes(5, message(bytes(2, routeBytes)))))));
  }

  @Test
  void autoregistration() {
    golden(io.linkerd.proxy.expansion.RegisterRequest.newBuilder().setSni("vm.shop").setIdentity("vm.shop.id")
            .setAddr(TcpAddress.newBuilder().setIp(IPAddress.newBuilder().setIpv4(0x0A000007)).setPort(8080)).build(),
        message(string(1, "vm.shop"), string(2, "vm.shop.id"), bytes(3, TEN_0_0_7_PORT_8080)));
    golden(io.linkerd.proxy.expansion.RegisterResponse.newBuilder().setWorkloadEntryName("vm-1")
            .putProxyEnvVars("LINKERD2_PROXY_LOG", "info").build(),
        message(string(1, "vm-1"), entry(2, "LINKERD2_PROXY_LOG", "info")));
  }
}
