package io.weft.proxy.tap;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import io.linkerd.proxy.http_types.HttpMethod;
import io.linkerd.proxy.http_types.Scheme;
import io.linkerd.proxy.tap.Eos;
import io.linkerd.proxy.tap.TapEvent;
import io.weft.protocol.net.TcpAddresses;
import io.weft.streams.http.Headers;
import io.weft.streams.http.StatusCodes;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Linkerd's tap events, with its fields, built from what the proxy saw. */
final class TapEvents {
  private static final String GRPC_STATUS = "grpc-status";

  private TapEvents() {}

  /** The fields every event of a request shares. */
  static TapEvent base(TapEvent.ProxyDirection direction, TappedRequest tapped, Map<String, String> sourceLabels) {
    TapEvent.Builder event = TapEvent.newBuilder().setProxyDirection(direction)
        .setSourceMeta(TapEvent.EndpointMeta.newBuilder().putAllLabels(sourceLabels))
        .setDestinationMeta(TapEvent.EndpointMeta.newBuilder().putAllLabels(tapped.destinationLabels()));
    if (!tapped.routeLabels().isEmpty()) {
      event.setRouteMeta(TapEvent.RouteMeta.newBuilder().putAllLabels(tapped.routeLabels()));
    }
    address(tapped.source(), event::setSource);
    address(tapped.destination(), event::setDestination);
    return event.build();
  }

  private static void address(InetSocketAddress address, java.util.function.Consumer<io.linkerd.proxy.net.TcpAddress> set) {
    if (address != null && address.getAddress() != null) {
      set.accept(TcpAddresses.of(address.getAddress(), address.getPort()));
    }
  }

  static TapEvent.Http.StreamId id(int base, long stream) {
    return TapEvent.Http.StreamId.newBuilder().setBase(base).setStream(stream).build();
  }

  static TapEvent requestInit(TapEvent base, TapEvent.Http.StreamId id, Request request, boolean headers) {
    TapEvent.Http.RequestInit.Builder init = TapEvent.Http.RequestInit.newBuilder().setId(id)
        .setMethod(method(request.method())).setScheme(scheme(request.scheme()))
        .setAuthority(request.authority()).setPath(request.path());
    if (headers) {
      io.linkerd.proxy.http_types.Headers.Builder fields = io.linkerd.proxy.http_types.Headers.newBuilder();
      if (request.version() == HttpVersion.HTTP_2) {
        field(fields, ":method", request.method());
        field(fields, ":scheme", request.scheme());
        field(fields, ":authority", request.authority());
        field(fields, ":path", request.target());
      }
      init.setHeaders(fields(fields, request.headers()));
    }
    return http(base, TapEvent.Http.newBuilder().setRequestInit(init));
  }

  static TapEvent responseInit(TapEvent base, TapEvent.Http.StreamId id, Response response, long sinceRequestNanos,
                               boolean headers) {
    TapEvent.Http.ResponseInit.Builder init = TapEvent.Http.ResponseInit.newBuilder().setId(id)
        .setSinceRequestInit(duration(sinceRequestNanos)).setHttpStatus(response.status());
    if (headers) {
      io.linkerd.proxy.http_types.Headers.Builder fields = io.linkerd.proxy.http_types.Headers.newBuilder();
      if (response.version() == HttpVersion.HTTP_2) {
        field(fields, ":status", StatusCodes.text(response.status()));
      }
      init.setHeaders(fields(fields, response.headers()));
    }
    return http(base, TapEvent.Http.newBuilder().setResponseInit(init));
  }

  /**
   * The end of a response: {@code grpcStatus} from its trailers or, for a trailers-only answer, its
   * head; {@code sinceResponseNanos} negative when no response came.
   */
  static TapEvent responseEnd(TapEvent base, TapEvent.Http.StreamId id, long sinceRequestNanos, long sinceResponseNanos,
                              long bytes, Integer grpcStatus, Headers trailers, boolean headers) {
    TapEvent.Http.ResponseEnd.Builder end = TapEvent.Http.ResponseEnd.newBuilder().setId(id)
        .setSinceRequestInit(duration(sinceRequestNanos)).setResponseBytes(bytes);
    if (sinceResponseNanos >= 0) {
      end.setSinceResponseInit(duration(sinceResponseNanos));
    }
    Eos.Builder eos = Eos.newBuilder();
    if (grpcStatus != null) {
      eos.setGrpcStatusCode(grpcStatus);
    }
    end.setEos(eos);
    if (headers && trailers.size() > 0) {
      end.setTrailers(fields(io.linkerd.proxy.http_types.Headers.newBuilder(), trailers));
    }
    return http(base, TapEvent.Http.newBuilder().setResponseEnd(end));
  }

  /** A gRPC status in {@code fields}, or null. */
  static Integer grpcStatus(Headers fields) {
    String value = fields.get(GRPC_STATUS);
    if (value == null) {
      return null;
    }
    try {
      return Integer.parseUnsignedInt(value.trim());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static TapEvent http(TapEvent base, TapEvent.Http.Builder http) {
    return base.toBuilder().setHttp(http).build();
  }

  static HttpMethod method(String method) {
    return switch (method) {
      case "GET" -> registered(HttpMethod.Registered.GET);
      case "POST" -> registered(HttpMethod.Registered.POST);
      case "PUT" -> registered(HttpMethod.Registered.PUT);
      case "DELETE" -> registered(HttpMethod.Registered.DELETE);
      case "PATCH" -> registered(HttpMethod.Registered.PATCH);
      case "OPTIONS" -> registered(HttpMethod.Registered.OPTIONS);
      case "CONNECT" -> registered(HttpMethod.Registered.CONNECT);
      case "HEAD" -> registered(HttpMethod.Registered.HEAD);
      case "TRACE" -> registered(HttpMethod.Registered.TRACE);
      default -> HttpMethod.newBuilder().setUnregistered(method).build();
    };
  }

  private static HttpMethod registered(HttpMethod.Registered method) {
    return HttpMethod.newBuilder().setRegistered(method).build();
  }

  static Scheme scheme(String scheme) {
    return switch (scheme) {
      case "http" -> Scheme.newBuilder().setRegistered(Scheme.Registered.HTTP).build();
      case "https" -> Scheme.newBuilder().setRegistered(Scheme.Registered.HTTPS).build();
      default -> Scheme.newBuilder().setUnregistered(scheme).build();
    };
  }

  private static io.linkerd.proxy.http_types.Headers fields(io.linkerd.proxy.http_types.Headers.Builder builder, Headers fields) {
    fields.forEach((name, value) -> field(builder, name, value));
    return builder.build();
  }

  private static void field(io.linkerd.proxy.http_types.Headers.Builder builder, String name, String value) {
    builder.addHeaders(io.linkerd.proxy.http_types.Headers.Header.newBuilder().setName(name)
        .setValue(ByteString.copyFrom(value, StandardCharsets.ISO_8859_1)));
  }

  private static Duration duration(long nanos) {
    long n = Math.max(0, nanos);
    return Duration.newBuilder().setSeconds(n / 1_000_000_000L).setNanos((int) (n % 1_000_000_000L)).build();
  }
}
