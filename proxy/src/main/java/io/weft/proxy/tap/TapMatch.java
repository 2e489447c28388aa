package io.weft.proxy.tap;

import io.linkerd.proxy.http_types.HttpMethod;
import io.linkerd.proxy.http_types.Scheme;
import io.linkerd.proxy.tap.ObserveRequest;
import io.weft.protocol.net.Cidr;
import io.weft.protocol.net.TcpAddresses;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An {@code ObserveRequest.Match} compiled once: which requests a tap wants. A match the proxy
 * cannot use (an empty field, a port or mask out of range, an unknown scheme) is refused when the
 * tap starts, with what is wrong — never at a request.
 */
sealed interface TapMatch {
  boolean matches(TappedRequest request);

  /** Thrown for a match the proxy cannot use; the message says why. */
  final class InvalidMatch extends IllegalArgumentException {
    InvalidMatch(String message) {
      super(message);
    }
  }

  static TapMatch compile(ObserveRequest.Match match) {
    return switch (match.getMatchCase()) {
      case ALL -> new All(sequence(match.getAll()));
      case ANY -> new Any(sequence(match.getAny()));
      case NOT -> new Not(compile(match.getNot()));
      case SOURCE -> new Source(tcp(match.getSource()));
      case DESTINATION -> new Destination(tcp(match.getDestination()));
      case HTTP -> http(match.getHttp());
      case DESTINATION_LABEL -> new DestinationLabel(label(match.getDestinationLabel()));
      case ROUTE_LABEL -> new RouteLabel(label(match.getRouteLabel()));
      case MATCH_NOT_SET -> throw new InvalidMatch("a match has none of its fields set");
    };
  }

  private static List<TapMatch> sequence(ObserveRequest.Match.Seq seq) {
    List<TapMatch> matches = new ArrayList<>(seq.getMatchesCount());
    for (ObserveRequest.Match m : seq.getMatchesList()) {
      if (m.getMatchCase() != ObserveRequest.Match.MatchCase.MATCH_NOT_SET) {
        matches.add(compile(m));
      }
    }
    return List.copyOf(matches);
  }

  private static Label label(ObserveRequest.Match.Label label) {
    if (label.getKey().isEmpty() || label.getValue().isEmpty()) {
      throw new InvalidMatch("a label match needs a key and a value");
    }
    return new Label(label.getKey(), label.getValue());
  }

  private static Tcp tcp(ObserveRequest.Match.Tcp tcp) {
    return switch (tcp.getMatchCase()) {
      case PORTS -> {
        // Either end left out means the range is the one port given.
        int min = tcp.getPorts().getMin() == 0 ? tcp.getPorts().getMax() : tcp.getPorts().getMin();
        int max = tcp.getPorts().getMax() == 0 ? tcp.getPorts().getMin() : tcp.getPorts().getMax();
        if (min == 0) {
          throw new InvalidMatch("a port range needs a port");
        }
        if (min > 65535 || max > 65535) {
          throw new InvalidMatch("port range " + min + "-" + max + " is past 65535");
        }
        yield new Ports(min, max);
      }
      case NETMASK -> {
        var netmask = tcp.getNetmask();
        if (!netmask.hasIp() || netmask.getIp().getIpCase() == io.linkerd.proxy.net.IPAddress.IpCase.IP_NOT_SET) {
          throw new InvalidMatch("a netmask needs an address");
        }
        InetAddress ip = TcpAddresses.toInetAddress(netmask.getIp());
        int bits = ip.getAddress().length * 8;
        if (netmask.getMask() == 0 || netmask.getMask() > bits) {
          throw new InvalidMatch("netmask /" + netmask.getMask() + " is not within 1-" + bits + " for " + ip.getHostAddress());
        }
        yield new Network(new Cidr(ip.getAddress(), netmask.getMask(), ip.getHostAddress() + "/" + netmask.getMask()));
      }
      case MATCH_NOT_SET -> throw new InvalidMatch("a TCP match has neither ports nor a netmask");
    };
  }

  private static TapMatch http(ObserveRequest.Match.Http http) {
    return switch (http.getMatchCase()) {
      case SCHEME -> new HttpScheme(scheme(http.getScheme()));
      case METHOD -> new HttpMethodIs(method(http.getMethod()));
      case AUTHORITY -> new Authority(string(http.getAuthority(), "authority"));
      case PATH -> new Path(string(http.getPath(), "path"));
      case MATCH_NOT_SET -> throw new InvalidMatch("an HTTP match has none of its fields set");
    };
  }

  private static String scheme(Scheme scheme) {
    return switch (scheme.getTypeCase()) {
      case REGISTERED -> switch (scheme.getRegistered()) {
        case HTTP -> "http";
        case HTTPS -> "https";
        default -> throw new InvalidMatch("unknown registered scheme " + scheme.getRegisteredValue());
      };
      case UNREGISTERED -> scheme.getUnregistered().toLowerCase(Locale.ROOT);
      case TYPE_NOT_SET -> throw new InvalidMatch("a scheme match names no scheme");
    };
  }

  private static String method(HttpMethod method) {
    return switch (method.getTypeCase()) {
      case REGISTERED -> {
        if (method.getRegistered() == HttpMethod.Registered.UNRECOGNIZED) {
          throw new InvalidMatch("unknown registered method " + method.getRegisteredValue());
        }
        yield method.getRegistered().name();
      }
      case UNREGISTERED -> {
        String name = method.getUnregistered();
        if (name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
          throw new InvalidMatch("'" + name + "' is not an HTTP method");
        }
        yield name;
      }
      case TYPE_NOT_SET -> throw new InvalidMatch("a method match names no method");
    };
  }

  private static StringMatch string(ObserveRequest.Match.Http.StringMatch match, String what) {
    return switch (match.getMatchCase()) {
      case EXACT -> new StringMatch(match.getExact(), true);
      case PREFIX -> new StringMatch(match.getPrefix(), false);
      case MATCH_NOT_SET -> throw new InvalidMatch("the " + what + " match is neither exact nor a prefix");
    };
  }

  record All(List<TapMatch> matches) implements TapMatch {
    @Override
    public boolean matches(TappedRequest request) {
      for (TapMatch m : matches) {
        if (!m.matches(request)) {
          return false;
        }
      }
      return true;
    }
  }

  record Any(List<TapMatch> matches) implements TapMatch {
    @Override
    public boolean matches(TappedRequest request) {
      for (TapMatch m : matches) {
        if (m.matches(request)) {
          return true;
        }
      }
      return false;
    }
  }

  record Not(TapMatch match) implements TapMatch {
    @Override
    public boolean matches(TappedRequest request) {
      return !match.matches(request);
    }
  }

  /** A port range or an address block, of one end of the connection. */
  sealed interface Tcp {
    boolean matches(InetSocketAddress address);
  }

  record Ports(int min, int max) implements Tcp {
    @Override
    public boolean matches(InetSocketAddress address) {
      return address.getPort() >= min && address.getPort() <= max;
    }
  }

  record Network(Cidr block) implements Tcp {
    @Override
    public boolean matches(InetSocketAddress address) {
      return address.getAddress() != null && block.contains(address.getAddress());
    }
  }

  record Source(Tcp tcp) implements TapMatch {
    @Override
    public boolean matches(TappedRequest request) {
      return request.source() != null && tcp.matches(request.source());
    }
  }

  record Destination(Tcp tcp) implements TapMatch {
    @Override
    public boolean matches(TappedRequest request) {
      return request.destination() != null && tcp.matches(request.destination());
    }
  }

  record Label(String key, String value) {
    boolean in(Map<String, String> labels) {
      return value.equals(labels.get(key));
    }
  }

  record DestinationLabel(Label label) implements TapMatch {
    @Override
    public boolean matches(TappedRequest request) {
      return label.in(request.destinationLabels());
    }
  }

  record RouteLabel(Label label) implements TapMatch {
    @Override
    public boolean matches(TappedRequest request) {
      return label.in(request.routeLabels());
    }
  }

  record StringMatch(String value, boolean exact) {
    boolean matches(String text) {
      return exact ? text.equals(value) : text.startsWith(value);
    }
  }

  record HttpScheme(String scheme) implements TapMatch {
    @Override
    public boolean matches(TappedRequest request) {
      return scheme.equalsIgnoreCase(request.request().scheme());
    }
  }

  record HttpMethodIs(String method) implements TapMatch {
    @Override
    public boolean matches(TappedRequest request) {
      return method.equals(request.request().method());
    }
  }

  record Authority(StringMatch match) implements TapMatch {
    @Override
    public boolean matches(TappedRequest request) {
      return match.matches(request.request().authority());
    }
  }

  record Path(StringMatch match) implements TapMatch {
    @Override
    public boolean matches(TappedRequest request) {
      return match.matches(request.request().path()); // without its query, as Linkerd's path match reads it
    }
  }
}
