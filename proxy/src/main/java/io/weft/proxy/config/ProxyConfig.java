package io.weft.proxy.config;

import io.weft.protocol.identity.TrustBundle;
import io.weft.proxy.identity.ProxyIdentity;

import io.weft.protocol.net.Cidr;
import io.weft.protocol.policy.DefaultPolicy;

import io.weft.proxy.http.Http2Keepalive;
import io.weft.proxy.tcp.TcpOptions;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import java.util.BitSet;
import java.util.Map;
import java.util.Optional;

/**
 * The proxy's settings, read from Linkerd's {@code LINKERD2_PROXY_*} environment so the injector's
 * pod spec (and a Linkerd user's overrides) work unchanged: one value type per concern, each
 * setting read in one place. Defaults are Linkerd's proxy's unless a comment says otherwise.
 */
public record ProxyConfig(Inbound inbound, Outbound outbound, ControlPlane controlPlane, Admin admin,
                          Optional<ProxyIdentity.Config> identity, Process process, List<Notice> notices) {

  /**
   * Connections to this pod: where they are accepted, how long detection and the dial to the
   * application may take, who may connect (the default policy over the cluster's networks, and the
   * ports that require a meshed client whatever the default), which of the pod's addresses it
   * serves ({@code LINKERD2_PROXY_INBOUND_IPS}, all when empty), and its sockets' and HTTP/2
   * server's keep-alive.
   */
  public record Inbound(InetSocketAddress listen, Duration detectTimeout, Duration connectTimeout, Side limits,
                        BitSet opaquePorts, DefaultPolicy defaultPolicy, List<Cidr> clusterNetworks, List<InetAddress> ips,
                        BitSet identityRequiredPorts, Sockets sockets, Http2Keepalive http2) {}

  /**
   * Connections from this pod: where they are accepted (every address of
   * {@code LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS}), detection and dial limits, ingress mode
   * ({@code l5d-dst-override} routing), how long an unused destination's resolution is kept, and its
   * sockets' and HTTP/2 server's keep-alive.
   */
  public record Outbound(List<InetSocketAddress> listens, Duration detectTimeout, Duration connectTimeout, Side limits,
                         boolean ingressMode, Duration discoveryIdleTimeout, Sockets sockets, Http2Keepalive http2) {
    /** The first listening address, the one the proxy reports. */
    public InetSocketAddress listen() {
      return listens.getFirst();
    }
  }

  /** TCP keep-alive and {@code TCP_USER_TIMEOUT} for the connections a side accepts and those it makes. */
  public record Sockets(TcpOptions accept, TcpOptions connect) {}

  /**
   * The process: its log filter and format ({@code plain} or {@code json}), the cores it sizes its
   * threads for ({@code LINKERD2_PROXY_CORES}; unset: the machine's, at most the proxy's default),
   * and how long a SIGTERM lets in-flight work finish.
   */
  public record Process(String logLevel, String logFormat, Optional<Integer> cores, Duration shutdownGracePeriod) {}

  /** A variable the proxy was given but will not act on, and why: logged once at start. */
  public record Notice(String variable, String value, String why) {
    public String message() {
      return variable + "=" + value + " is ignored: " + why;
    }
  }

  /**
   * The control plane: the Destination API's address and identity, the context token the proxy
   * sends with every lookup, the networks whose addresses are looked up at all (others are
   * reached as addressed, without asking), the receive limits of its streams, and the cluster's DNS domain
   * (from the profile suffixes, {@code svc.<domain>.}).
   */
  public record ControlPlane(Optional<InetSocketAddress> destinationAddress, Optional<String> destinationName,
                             String destinationContext, List<Cidr> profileNetworks, ControlStream stream, String clusterDomain, Optional<PolicyService> policy) {}

  /**
   * The inbound policy API ({@code LINKERD2_PROXY_POLICY_SVC_ADDR}) and its identity
   * ({@code LINKERD2_PROXY_POLICY_SVC_NAME}), the workload it is asked about
   * ({@code LINKERD2_PROXY_POLICY_WORKLOAD}, Linkerd's {@code {"ns":…,"pod":…}}) and the ports
   * whose policies are followed ({@code LINKERD2_PROXY_INBOUND_PORTS}).
   */
  public record PolicyService(InetSocketAddress address, Optional<String> name, String workload, BitSet ports) {}

  /**
   * The admin server (/metrics, /ready, ...), the tap port, whether /shutdown is served, and the
   * identity of the tap service, the only client the tap port serves (no tap without it).
   */
  public record Admin(InetSocketAddress listen, InetSocketAddress controlListen, boolean shutdownEndpointEnabled,
                      Optional<String> tapIdentity) {}

  /**
   * Queue and concurrency limits of one direction, and how long an endpoint that refused a
   * connection is skipped (doubling from the minimum up to the maximum).
   */
  public record Side(int queueCapacity, Duration failfastTimeout, int maxInFlight, Duration connectBackoffMin,
                     Duration connectBackoffMax) {}

  /**
   * How long a stream from the control plane may go without its first message, without any
   * message, and at all, before the proxy asks again (Linkerd's receive limits): a stream that
   * silently stopped delivering cannot leave the proxy on stale endpoints.
   */
  public record ControlStream(Duration initialTimeout, Duration idleTimeout, Duration lifetime) {}

  /** Linkerd's default opaque ports: server-speaks-first protocols (SMTP, MySQL, Postgres, Redis, ...) detection would stall. */
  public static final String DEFAULT_OPAQUE_PORTS = "25,587,3306,4444,5432,6379,9300,11211";
  /** Linkerd's default cluster networks: the private IPv4 blocks, CGNAT and IPv6 unique-local. */
  public static final String DEFAULT_CLUSTER_NETWORKS = "10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8";
  /** Linkerd's default profile suffix; its domain is the cluster's when nothing says otherwise. */
  private static final String DEFAULT_PROFILE_SUFFIXES = "svc.cluster.local.";
  private static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";

  public static ProxyConfig fromEnv(Map<String, String> env) {
    EnvReader e = new EnvReader(env);
    Inbound inbound = inbound(e);
    Outbound outbound = outbound(e);
    ControlPlane controlPlane = controlPlane(e);
    Admin admin = new Admin(
        e.address("LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "127.0.0.1:4191"), // Linkerd's admin port, local only by default
        e.address("LINKERD2_PROXY_CONTROL_LISTEN_ADDR", "0.0.0.0:4190"), // Linkerd's tap port
        e.bool("LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED", false), // off: only the pod's own tooling may stop it
        e.bool("LINKERD2_PROXY_TAP_DISABLED", false) ? Optional.empty() : e.string("LINKERD2_PROXY_TAP_SVC_NAME"));
    Optional<ProxyIdentity.Config> identity = identity(e);
    Process process = process(e);
    unsupported(e);
    return new ProxyConfig(inbound, outbound, controlPlane, admin, identity, process, e.notices());
  }

  private static Process process(EnvReader e) {
    String format = e.string("LINKERD2_PROXY_LOG_FORMAT").orElse("plain");
    if (!format.equals("plain") && !format.equals("json")) {
      throw new ProxyConfigException("LINKERD2_PROXY_LOG_FORMAT: '" + format + "' is not plain or json");
    }
    Optional<Integer> cores = e.string("LINKERD2_PROXY_CORES").map(v -> e.integer("LINKERD2_PROXY_CORES", 0));
    if (cores.filter(n -> n < 1).isPresent()) {
      throw new ProxyConfigException("LINKERD2_PROXY_CORES: " + cores.get() + " is not a positive number of cores");
    }
    return new Process(e.string("LINKERD2_PROXY_LOG").orElse("warn,linkerd=info"), format, cores,
        e.duration("LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD", Duration.ofMinutes(2)));
  }

  /** Linkerd settings Weft's proxy reads but does not act on (with the values it would act on anyway). */
  private static void unsupported(EnvReader e) {
    e.unsupported("LINKERD2_PROXY_ACCESS_LOG", v -> false, "access logs are not written (tap shows each request)");
    e.unsupported("LINKERD2_PROXY_INBOUND_DISCOVERY_IDLE_TIMEOUT", v -> false,
        "the ports of LINKERD2_PROXY_INBOUND_PORTS are followed for the proxy's life and others get the default policy");
    e.unsupported("LINKERD2_PROXY_OUTBOUND_METRICS_HOSTNAME_LABELS", v -> v.equalsIgnoreCase("false"),
        "outbound metrics carry no hostname label");
  }

  private static Inbound inbound(EnvReader e) {
    BitSet identityRequired = e.ports("LINKERD2_PROXY_INBOUND_PORTS_REQUIRE_IDENTITY", "");
    // Mesh TLS always proves a client's identity, so requiring TLS requires what requiring identity does.
    identityRequired.or(e.ports("LINKERD2_PROXY_INBOUND_PORTS_REQUIRE_TLS", ""));
    return new Inbound(e.address("LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "0.0.0.0:4143"),
        e.duration("LINKERD2_PROXY_INBOUND_DETECT_TIMEOUT", Duration.ofSeconds(10)), // then the connection is served as opaque TCP
        // The application is on this host: a dial that takes longer than this will not succeed.
        e.duration("LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT", Duration.ofMillis(300)),
        new Side(e.integer("LINKERD2_PROXY_INBOUND_HTTP_QUEUE_CAPACITY", 100),
            e.duration("LINKERD2_PROXY_INBOUND_HTTP_FAILFAST_TIMEOUT", Duration.ofSeconds(1)),
            e.integer("LINKERD2_PROXY_INBOUND_MAX_IN_FLIGHT", 100_000),
            e.duration("LINKERD2_PROXY_INBOUND_CONNECT_EXP_BACKOFF_MIN", Duration.ofMillis(100)),
            e.duration("LINKERD2_PROXY_INBOUND_CONNECT_EXP_BACKOFF_MAX", Duration.ofSeconds(10))),
        e.ports("LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION", DEFAULT_OPAQUE_PORTS),
        e.parsed("LINKERD2_PROXY_INBOUND_DEFAULT_POLICY", DefaultPolicy::parse, DefaultPolicy.ALL_UNAUTHENTICATED),
        e.list("LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS", Cidr::parse, DEFAULT_CLUSTER_NETWORKS),
        e.list("LINKERD2_PROXY_INBOUND_IPS", ProxyConfig::ipAddress, ""), identityRequired, sockets(e, "INBOUND"),
        http2(e, "INBOUND"));
  }

  private static Outbound outbound(EnvReader e) {
    // LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS supersedes the single address (Linkerd's injector writes both).
    String single = e.string("LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR").orElse("127.0.0.1:4140");
    e.address("LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", single);
    return new Outbound(e.addresses("LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS", single),
        e.duration("LINKERD2_PROXY_OUTBOUND_DETECT_TIMEOUT", Duration.ofSeconds(10)),
        e.duration("LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT", Duration.ofSeconds(1)), // a peer across the network
        new Side(e.integer("LINKERD2_PROXY_OUTBOUND_HTTP_QUEUE_CAPACITY", 100),
            e.duration("LINKERD2_PROXY_OUTBOUND_HTTP_FAILFAST_TIMEOUT", Duration.ofSeconds(3)),
            e.integer("LINKERD2_PROXY_OUTBOUND_MAX_IN_FLIGHT", 100_000),
            e.duration("LINKERD2_PROXY_OUTBOUND_CONNECT_EXP_BACKOFF_MIN", Duration.ofMillis(100)),
            e.duration("LINKERD2_PROXY_OUTBOUND_CONNECT_EXP_BACKOFF_MAX", Duration.ofSeconds(60))),
        e.bool("LINKERD2_PROXY_INGRESS_MODE", false),
        e.duration("LINKERD2_PROXY_OUTBOUND_DISCOVERY_IDLE_TIMEOUT", Duration.ofSeconds(5)), sockets(e, "OUTBOUND"),
        http2(e, "OUTBOUND"));
  }

  /** {@code LINKERD2_PROXY_<SIDE>_{ACCEPT,CONNECT}_{KEEPALIVE,USER_TIMEOUT}}. */
  private static Sockets sockets(EnvReader e, String side) {
    return new Sockets(tcp(e, "LINKERD2_PROXY_" + side + "_ACCEPT_"), tcp(e, "LINKERD2_PROXY_" + side + "_CONNECT_"));
  }

  private static TcpOptions tcp(EnvReader e, String prefix) {
    return new TcpOptions(optionalDuration(e, prefix + "KEEPALIVE"), optionalDuration(e, prefix + "USER_TIMEOUT"));
  }

  /** {@code LINKERD2_PROXY_<SIDE>_SERVER_HTTP2_KEEP_ALIVE_{INTERVAL,TIMEOUT}}. */
  private static Http2Keepalive http2(EnvReader e, String side) {
    String prefix = "LINKERD2_PROXY_" + side + "_SERVER_HTTP2_KEEP_ALIVE_";
    return new Http2Keepalive(optionalDuration(e, prefix + "INTERVAL"), optionalDuration(e, prefix + "TIMEOUT"));
  }

  private static Optional<Duration> optionalDuration(EnvReader e, String name) {
    return e.string(name).map(v -> e.duration(name, Duration.ZERO));
  }

  private static InetAddress ipAddress(String literal) {
    return io.weft.protocol.net.TcpAddresses.parseLiteral(literal);
  }

  private static ControlPlane controlPlane(EnvReader e) {
    Optional<InetSocketAddress> dst = e.string("LINKERD2_PROXY_DESTINATION_SVC_ADDR")
        .map(v -> e.address("LINKERD2_PROXY_DESTINATION_SVC_ADDR", v));
    Optional<String> dstName = e.string("LINKERD2_PROXY_DESTINATION_SVC_NAME");
    // Linkerd requires the name (the control plane's identity) with the address, except on loopback.
    if (dst.isPresent() && dstName.isEmpty() && !isLoopback(dst.get())) {
      throw new ProxyConfigException("LINKERD2_PROXY_DESTINATION_SVC_NAME must be set with LINKERD2_PROXY_DESTINATION_SVC_ADDR "
          + "(" + dst.get().getHostString() + " is not a loopback address)");
    }
    return new ControlPlane(dst, dstName, e.string("LINKERD2_PROXY_DESTINATION_CONTEXT").orElse(""),
        // Unset, every address is looked up (Weft's demo and tests run without the injector's networks).
        e.list("LINKERD2_PROXY_DESTINATION_PROFILE_NETWORKS", Cidr::parse, ""),
        new ControlStream(e.duration("LINKERD2_PROXY_CONTROL_STREAM_INITIAL_TIMEOUT", Duration.ofSeconds(3)),
            e.duration("LINKERD2_PROXY_CONTROL_STREAM_IDLE_TIMEOUT", Duration.ofMinutes(5)),
            e.duration("LINKERD2_PROXY_CONTROL_STREAM_LIFETIME", Duration.ofHours(1))),
        clusterDomain(e.string("LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES").orElse(DEFAULT_PROFILE_SUFFIXES)), policy(e));
  }

  /** The inbound policy API, when the injector named it: its address and the workload go together. */
  private static Optional<PolicyService> policy(EnvReader e) {
    Optional<String> address = e.string("LINKERD2_PROXY_POLICY_SVC_ADDR");
    Optional<String> workload = e.string("LINKERD2_PROXY_POLICY_WORKLOAD");
    if (address.isEmpty() && workload.isEmpty()) {
      return Optional.empty();
    }
    if (address.isEmpty() || workload.isEmpty()) {
      throw new ProxyConfigException("LINKERD2_PROXY_POLICY_SVC_ADDR and LINKERD2_PROXY_POLICY_WORKLOAD go together: "
          + (address.isEmpty() ? "the address" : "the workload") + " is missing");
    }
    InetSocketAddress service = e.address("LINKERD2_PROXY_POLICY_SVC_ADDR", address.get());
    Optional<String> name = e.string("LINKERD2_PROXY_POLICY_SVC_NAME");
    // As for Destination: the service's identity comes with its address, except on loopback.
    if (name.isEmpty() && !isLoopback(service)) {
      throw new ProxyConfigException("LINKERD2_PROXY_POLICY_SVC_NAME must be set with LINKERD2_PROXY_POLICY_SVC_ADDR ("
          + service.getHostString() + " is not a loopback address)");
    }
    return Optional.of(new PolicyService(service, name, workload.get(), e.ports("LINKERD2_PROXY_INBOUND_PORTS", "")));
  }

  /** The domain of the first {@code svc.<domain>.} suffix; Linkerd's default when the suffixes name none (e.g. {@code .}). */
  static String clusterDomain(String profileSuffixes) {
    for (String suffix : profileSuffixes.split("[,\\s]+")) {
      String name = suffix.endsWith(".") ? suffix.substring(0, suffix.length() - 1) : suffix;
      if (name.startsWith("svc.") && name.length() > "svc.".length()) {
        return name.substring("svc.".length());
      }
    }
    return DEFAULT_CLUSTER_DOMAIN;
  }

  private static final String IDENTITY = "LINKERD2_PROXY_IDENTITY_";
  private static final List<String> IDENTITY_REQUIRED = List.of(IDENTITY + "TRUST_ANCHORS", IDENTITY + "LOCAL_NAME",
      IDENTITY + "TOKEN_FILE", IDENTITY + "SVC_ADDR");

  /**
   * Identity as Linkerd's injector configures it. {@code LINKERD2_PROXY_IDENTITY_DISABLED} turns it
   * off; so does setting none of the required variables (a bare local proxy). Setting some but not
   * all of them is an error naming what is missing.
   */
  private static Optional<ProxyIdentity.Config> identity(EnvReader e) {
    if (e.string(IDENTITY + "DISABLED").isPresent()) {
      return Optional.empty();
    }
    List<String> missing = IDENTITY_REQUIRED.stream().filter(name -> e.string(name).isEmpty()).toList();
    if (missing.size() == IDENTITY_REQUIRED.size()) {
      return Optional.empty();
    }
    if (!missing.isEmpty()) {
      throw new ProxyConfigException(String.join(", ", missing) + (missing.size() == 1 ? " is" : " are")
          + " required for identity (or set " + IDENTITY + "DISABLED)");
    }
    TrustBundle anchors;
    try {
      anchors = TrustBundle.fromPem(e.string(IDENTITY + "TRUST_ANCHORS").orElseThrow(), IDENTITY + "TRUST_ANCHORS");
    } catch (IllegalArgumentException ex) {
      throw new ProxyConfigException(ex.getMessage());
    }
    InetSocketAddress service = e.address(IDENTITY + "SVC_ADDR", "");
    Optional<String> serviceName = e.string(IDENTITY + "SVC_NAME");
    if (serviceName.isEmpty() && !isLoopback(service)) {
      throw new ProxyConfigException(IDENTITY + "SVC_NAME must be set with " + IDENTITY + "SVC_ADDR ("
          + service.getHostString() + " is not a loopback address)");
    }
    Duration minRefresh = e.duration(IDENTITY + "MIN_REFRESH", Duration.ofSeconds(10));
    Duration maxRefresh = e.duration(IDENTITY + "MAX_REFRESH", Duration.ofHours(24));
    if (minRefresh.compareTo(maxRefresh) > 0) {
      throw new ProxyConfigException(IDENTITY + "MIN_REFRESH (" + minRefresh + ") is longer than " + IDENTITY + "MAX_REFRESH ("
          + maxRefresh + ")");
    }
    return Optional.of(new ProxyIdentity.Config(e.string(IDENTITY + "LOCAL_NAME").orElseThrow(), anchors,
        Path.of(e.string(IDENTITY + "TOKEN_FILE").orElseThrow()), e.string(IDENTITY + "DIR").map(Path::of), minRefresh, maxRefresh,
        service, serviceName));
  }

  private static boolean isLoopback(InetSocketAddress address) {
    return io.weft.proxy.tcp.ThisHost.isLoopback(address.getHostString());
  }
}
