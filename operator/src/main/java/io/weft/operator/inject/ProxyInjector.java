package io.weft.operator.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one injection engine: decides whether a pod template gets the proxy (Linkerd's
 * {@code linkerd.io/inject} on the pod or its namespace, and its skip reasons) and adds or removes
 * it — the proxy as a native sidecar, the init container installing the iptables rules, the
 * identity volumes, Linkerd's labels and annotations, configured by {@code config.linkerd.io/*}.
 * Works on the JSON of a pod's metadata and spec, so every field it does not own passes through
 * untouched. Used by the admission webhook and by {@code weft inject}/{@code uninject}.
 */
public final class ProxyInjector {
  public static final String INJECT = "linkerd.io/inject";
  private static final String CONFIG = "config.linkerd.io/";
  /** The proxy container's name. */
  public static final String PROXY = "linkerd-proxy";
  /** The proxy version and trust-anchor hash an injected pod was given (what weft check --proxy compares). */
  public static final String PROXY_VERSION_ANNOTATION = "linkerd.io/proxy-version";
  public static final String TRUST_ROOT_ANNOTATION = "linkerd.io/trust-root-sha256";
  static final String INIT = "linkerd-init";
  private static final String XTABLES_VOLUME = "linkerd-proxy-init-xtables-lock";
  private static final String END_ENTITY_VOLUME = "linkerd-identity-end-entity";
  private static final String TOKEN_VOLUME = "linkerd-identity-token";
  private static final List<String> VOLUMES = List.of(XTABLES_VOLUME, END_ENTITY_VOLUME, TOKEN_VOLUME);
  private static final Set<String> SIDECAR_NAMES = Set.of(PROXY, INIT, "istio-proxy", "istio-init");
  private static final List<String> SIDECAR_IMAGES = List.of("cr.l5d.io/linkerd/proxy:", "cr.l5d.io/linkerd/proxy-init:",
      "gcr.io/istio-release/proxyv2:", "gcr.io/istio-release/proxy_init:");
  private static final String END_ENTITY_DIR = "/var/run/linkerd/identity/end-entity";
  private static final String TOKEN_DIR = "/var/run/secrets/tokens";
  private static final String TOKEN_AUDIENCE = "identity.l5d.io";
  /** Linkerd viz's tap service: its service account and default namespace, and its annotations on pods. */
  private static final String TAP_SERVICE_ACCOUNT = "tap";
  private static final String VIZ_NAMESPACE = "linkerd-viz";
  private static final String DISABLE_TAP = "viz.linkerd.io/disable-tap";
  private static final String TAP_ENABLED = "viz.linkerd.io/tap-enabled";
  private static final int TOKEN_SECONDS = 86400;
  private static final String NO_DETECT_TIMEOUT = "365d";
  private static final String WAIT_BEFORE_EXIT = "config.alpha.linkerd.io/proxy-wait-before-exit-seconds";
  private static final List<String> LABELS = List.of(io.weft.k8s.model.PodResource.CONTROL_PLANE_NS_LABEL, "linkerd.io/workload-ns");
  private static final String OWNER_LABEL_PREFIX = "linkerd.io/proxy-";
  private static final List<String> ANNOTATIONS = List.of("linkerd.io/created-by", PROXY_VERSION_ANNOTATION,
      TRUST_ROOT_ANNOTATION, TAP_ENABLED);
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** How the engine is asked: by the webhook (decide from annotations), or by the CLI. */
  public enum Mode {
    /** Inject when {@code linkerd.io/inject} on the pod or its namespace says enabled or ingress. */
    WEBHOOK,
    /** {@code weft inject}: mark the template {@code linkerd.io/inject: enabled} for the webhook. */
    ANNOTATE,
    /** {@code weft inject --manual}: add the proxy here, as the webhook would. */
    MANUAL
  }

  private final InjectionSettings settings;

  public ProxyInjector(InjectionSettings settings) {
    this.settings = settings;
  }

  /**
   * Injects the pod template ({@code metadata} and {@code spec}, changed in place) of a {@code kind}
   * named {@code owner} in {@code namespace}. {@code ingress} (CLI {@code --ingress}) asks for
   * ingress mode.
   */
  public Outcome inject(ObjectNode metadata, ObjectNode spec, String kind, String owner, String namespace,
                        Map<String, String> namespaceAnnotations, Mode mode, boolean ingress) {
    if (spec.path("hostNetwork").asBoolean(false)) {
      return skipped("host_network_enabled");
    }
    if (hasSidecar(spec)) {
      return skipped("sidecar_already_exists");
    }
    ObjectNode annotations = JsonFields.object(metadata, "annotations");
    String own = annotations.path(INJECT).asText("");
    String fromNamespace = namespaceAnnotations.getOrDefault(INJECT, "");
    // Linkerd's truth table (pkg/inject/report.go): the namespace's value is checked first; an
    // enabling namespace injects unless the pod disables; otherwise the pod must enable.
    if (mode == Mode.WEBHOOK && !fromNamespace.isEmpty() && !isInjectValue(fromNamespace)) {
      return skipped("invalid_inject_annotation_at_ns");
    }
    if (!own.isEmpty() && !isInjectValue(own)) {
      return skipped("invalid_inject_annotation_at_workload");
    }
    if (own.equals("disabled")) {
      return skipped("injection_disable_annotation_present");
    }
    if (mode == Mode.WEBHOOK) {
      boolean namespaceEnables = fromNamespace.equals("enabled") || fromNamespace.equals("ingress");
      if (!namespaceEnables && own.isEmpty()) {
        return skipped("injection_enable_annotation_absent");
      }
      ingress = ingress || (own.isEmpty() ? fromNamespace : own).equals("ingress");
    }
    if (mode == Mode.ANNOTATE) {
      annotations.put(INJECT, ingress ? "ingress" : "enabled");
      return new Outcome.Annotated();
    }
    addProxy(metadata, spec, kind, owner, namespace, namespaceAnnotations, ingress);
    return new Outcome.Injected();
  }

  /** Removes what injection added (and the {@code linkerd.io/inject} annotation), leaving the rest as it was. */
  public Outcome uninject(ObjectNode metadata, ObjectNode spec) {
    boolean changed = removeNamed(spec, "initContainers", Set.of(PROXY, INIT)) | removeNamed(spec, "containers", Set.of(PROXY))
        | removeNamed(spec, "volumes", Set.copyOf(VOLUMES));
    ObjectNode labels = metadata.get("labels") == null ? null : JsonFields.object(metadata, "labels");
    if (labels != null) {
      LABELS.forEach(l -> labels.remove(l));
      List<String> owners = new ArrayList<>();
      labels.fieldNames().forEachRemaining(n -> {
        if (n.startsWith(OWNER_LABEL_PREFIX)) {
          owners.add(n);
        }
      });
      owners.forEach(labels::remove);
      dropIfEmpty(metadata, "labels");
    }
    ObjectNode annotations = metadata.get("annotations") == null ? null : JsonFields.object(metadata, "annotations");
    if (annotations != null) {
      changed |= annotations.remove(INJECT) != null;
      ANNOTATIONS.forEach(a -> annotations.remove(a));
      dropIfEmpty(metadata, "annotations");
    }
    return changed ? new Outcome.Uninjected() : new Outcome.Skipped("not_injected", "no proxy to remove");
  }

  private void addProxy(ObjectNode metadata, ObjectNode spec, String kind, String owner, String namespace,
                        Map<String, String> namespaceAnnotations, boolean ingress) {
    ObjectNode annotations = JsonFields.object(metadata, "annotations");
    // Namespace-level config.linkerd.io/* apply where the pod sets none (as Linkerd copies them).
    namespaceAnnotations.forEach((k, v) -> {
      if (k.startsWith(CONFIG) && !annotations.has(k)) {
        annotations.put(k, v);
      }
    });
    Config config = new Config(annotations);
    Set<Integer> containerPorts = containerPorts(spec);
    // The pod's opaque ports, else the defaults it listens on (the control plane derives the same
    // defaults, so no annotation is added for them).
    TreeSet<Integer> opaque = new TreeSet<>();
    config.get("opaque-ports").ifPresentOrElse(v -> opaque.addAll(ports("opaque-ports", v)),
        () -> settings.defaultOpaquePorts().stream().filter(containerPorts::contains).forEach(opaque::add));
    annotations.put("linkerd.io/created-by", settings.createdBy());
    if (config.tapEnabled()) {
      annotations.put(TAP_ENABLED, "true");
    }
    annotations.put(PROXY_VERSION_ANNOTATION, settings.proxyVersion());
    annotations.put(TRUST_ROOT_ANNOTATION, io.weft.k8s.Digests.sha256Hex(settings.trustAnchorsPem()));
    ObjectNode labels = JsonFields.object(metadata, "labels");
    labels.put(io.weft.k8s.model.PodResource.CONTROL_PLANE_NS_LABEL, settings.controlPlaneNamespace());
    labels.put(OWNER_LABEL_PREFIX + kind.toLowerCase(java.util.Locale.ROOT), owner);
    labels.put("linkerd.io/workload-ns", namespace);

    ArrayNode volumes = JsonFields.array(spec, "volumes");
    if (!settings.cniEnabled()) {
      volumes.addObject().put("name", XTABLES_VOLUME).putObject("emptyDir");
    }
    volumes.addObject().put("name", END_ENTITY_VOLUME).putObject("emptyDir").put("medium", "Memory");
    ObjectNode token = volumes.addObject().put("name", TOKEN_VOLUME);
    token.putObject("projected").putArray("sources").addObject().putObject("serviceAccountToken")
        .put("audience", TOKEN_AUDIENCE).put("expirationSeconds", TOKEN_SECONDS).put("path", "linkerd-identity-token");

    ObjectNode proxy = proxyContainer(config, containerPorts, opaque, ingress);
    boolean nativeSidecar = config.bool("proxy-enable-native-sidecar", true);
    Optional<Integer> waitBeforeExit = waitBeforeExit(annotations);
    if (nativeSidecar && waitBeforeExit.isPresent()) {
      // Linkerd's chart refuses the same: a native sidecar is stopped after the application anyway.
      throw new IllegalArgumentException("proxy.nativeSidecar and waitBeforeExitSeconds cannot be used simultaneously ("
          + WAIT_BEFORE_EXIT + ")");
    }
    ArrayNode inits = JSON.arrayNode();
    if (!settings.cniEnabled()) {
      inits.add(initContainer(config));
    }
    if (nativeSidecar) {
      proxy.put("restartPolicy", "Always");
      if (config.bool("proxy-await", true)) {
        ObjectNode startup = proxy.putObject("startupProbe");
        startup.putObject("httpGet").put("path", "/ready").put("port", InjectionSettings.ADMIN_PORT);
        startup.put("periodSeconds", 1).put("failureThreshold", 120).put("initialDelaySeconds", 0);
      }
      inits.add(proxy);
    }
    inits.addAll(JsonFields.array(spec, "initContainers"));
    spec.set("initContainers", inits);
    if (!nativeSidecar) {
      if (config.bool("proxy-await", true)) {
        JsonFields.object(proxy, "lifecycle").putObject("postStart").putObject("exec").putArray("command")
            .add("/usr/lib/weft/weft-await").add("--timeout=2m").add("--port=" + InjectionSettings.ADMIN_PORT);
      }
      // The proxy outlives the application's own shutdown by this much (Linkerd's preStop sleep).
      waitBeforeExit.ifPresent(seconds -> JsonFields.object(proxy, "lifecycle").putObject("preStop").putObject("exec")
          .putArray("command").add("/bin/sleep").add(Integer.toString(seconds)));
      ArrayNode containers = JsonFields.array(spec, "containers");
      ArrayNode withProxy = JSON.arrayNode().add(proxy);
      withProxy.addAll(containers);
      spec.set("containers", withProxy);
    }
  }

  private ObjectNode proxyContainer(Config config, Set<Integer> containerPorts, Set<Integer> opaque, boolean ingress) {
    ObjectNode c = JSON.objectNode();
    c.put("name", PROXY);
    c.put("image", config.get("proxy-image").orElse(settings.proxyImage()) + ":" + config.get("proxy-version")
        .orElse(settings.proxyVersion()));
    c.put("imagePullPolicy", config.get("image-pull-policy").orElse("IfNotPresent"));
    c.set("env", environment(config, containerPorts, opaque, ingress));
    ArrayNode ports = c.putArray("ports");
    ports.addObject().put("containerPort", InjectionSettings.INBOUND_PORT).put("name", "linkerd-proxy");
    ports.addObject().put("containerPort", InjectionSettings.ADMIN_PORT).put("name", "linkerd-admin");
    ObjectNode liveness = c.putObject("livenessProbe");
    liveness.putObject("httpGet").put("path", "/live").put("port", InjectionSettings.ADMIN_PORT);
    liveness.put("initialDelaySeconds", 10);
    ObjectNode readiness = c.putObject("readinessProbe");
    readiness.putObject("httpGet").put("path", "/ready").put("port", InjectionSettings.ADMIN_PORT);
    readiness.put("initialDelaySeconds", 2);
    ObjectNode resources = resources(config);
    if (!resources.isEmpty()) {
      c.set("resources", resources);
    }
    ObjectNode security = c.putObject("securityContext");
    security.put("allowPrivilegeEscalation", false).put("readOnlyRootFilesystem", true).put("runAsNonRoot", true)
        .put("runAsUser", config.integer("proxy-uid").orElse(settings.proxyUid()));
    security.putObject("seccompProfile").put("type", "RuntimeDefault");
    c.put("terminationMessagePolicy", "FallbackToLogsOnError");
    ArrayNode mounts = c.putArray("volumeMounts");
    mounts.addObject().put("mountPath", END_ENTITY_DIR).put("name", END_ENTITY_VOLUME);
    mounts.addObject().put("mountPath", TOKEN_DIR).put("name", TOKEN_VOLUME);
    return c;
  }

  /**
   * The proxy's environment in the order Linkerd's chart template writes it, with its defaults
   * ({@code weft.proxy-injector.proxy}) and the {@code config.linkerd.io/*} overrides it honours.
   */
  private ArrayNode environment(Config config, Set<Integer> containerPorts, Set<Integer> opaque, boolean ingress) {
    InjectionSettings.ProxyDefaults defaults = settings.proxy();
    ArrayNode env = JSON.arrayNode();
    fieldEnv(env, "_pod_name", "metadata.name");
    fieldEnv(env, "_pod_ns", "metadata.namespace");
    fieldEnv(env, "_pod_uid", "metadata.uid");
    fieldEnv(env, "_pod_nodeName", "spec.nodeName");
    env(env, "_pod_containerName", PROXY);
    config.cores().ifPresent(n -> env(env, "LINKERD2_PROXY_CORES", Integer.toString(n)));
    config.get("proxy-require-identity-inbound-ports").ifPresent(v -> env(env, "LINKERD2_PROXY_INBOUND_PORTS_REQUIRE_IDENTITY",
        join(new TreeSet<>(ports("proxy-require-identity-inbound-ports", v)))));
    env(env, "LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED", Boolean.toString(config.get("proxy-admin-shutdown")
        .map(v -> v.equals("enabled")).orElse(false)));
    env(env, "LINKERD2_PROXY_LOG", config.get("proxy-log-level").orElse(defaults.logLevel())
        + (config.logHttpHeaders() ? "" : ",[{headers}]=off,[{request}]=off"));
    env(env, "LINKERD2_PROXY_LOG_FORMAT", config.get("proxy-log-format").orElse(defaults.logFormat()));
    env(env, "LINKERD2_PROXY_DESTINATION_SVC_ADDR", settings.serviceAddress("linkerd-dst-headless", InjectionSettings.CONTROL_PLANE_GRPC_PORT));
    env(env, "LINKERD2_PROXY_DESTINATION_PROFILE_NETWORKS", settings.clusterNetworks());
    env(env, "LINKERD2_PROXY_POLICY_SVC_ADDR", settings.serviceAddress("linkerd-policy", InjectionSettings.CONTROL_PLANE_GRPC_PORT));
    env(env, "LINKERD2_PROXY_POLICY_WORKLOAD", "{\"ns\":\"$(_pod_ns)\", \"pod\":\"$(_pod_name)\"}");
    env(env, "LINKERD2_PROXY_INBOUND_DEFAULT_POLICY", config.get("default-inbound-policy").orElse(settings.defaultInboundPolicy()));
    env(env, "LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS", settings.clusterNetworks());
    env(env, "LINKERD2_PROXY_CONTROL_STREAM_INITIAL_TIMEOUT", defaults.controlStreamInitialTimeout());
    env(env, "LINKERD2_PROXY_CONTROL_STREAM_IDLE_TIMEOUT", defaults.controlStreamIdleTimeout());
    env(env, "LINKERD2_PROXY_CONTROL_STREAM_LIFETIME", defaults.controlStreamLifetime());
    env(env, "LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT", config.get("proxy-inbound-connect-timeout").orElse(defaults.inboundConnectTimeout()));
    env(env, "LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT", config.get("proxy-outbound-connect-timeout").orElse(defaults.outboundConnectTimeout()));
    env(env, "LINKERD2_PROXY_OUTBOUND_DISCOVERY_IDLE_TIMEOUT", config.get("proxy-outbound-discovery-cache-unused-timeout")
        .orElse(defaults.outboundDiscoveryIdleTimeout()));
    env(env, "LINKERD2_PROXY_INBOUND_DISCOVERY_IDLE_TIMEOUT", config.get("proxy-inbound-discovery-cache-unused-timeout")
        .orElse(defaults.inboundDiscoveryIdleTimeout()));
    // Linkerd's way of "never time detection out": a year.
    if (config.bool("proxy-disable-outbound-protocol-detect-timeout", false)) {
      env(env, "LINKERD2_PROXY_OUTBOUND_DETECT_TIMEOUT", NO_DETECT_TIMEOUT);
    }
    if (config.bool("proxy-disable-inbound-protocol-detect-timeout", false)) {
      env(env, "LINKERD2_PROXY_INBOUND_DETECT_TIMEOUT", NO_DETECT_TIMEOUT);
    }
    env(env, "LINKERD2_PROXY_CONTROL_LISTEN_ADDR", "[::]:" + InjectionSettings.CONTROL_PORT);
    env(env, "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "[::]:" + InjectionSettings.ADMIN_PORT);
    env(env, "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", "127.0.0.1:" + InjectionSettings.OUTBOUND_PORT);
    env(env, "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS", "127.0.0.1:" + InjectionSettings.OUTBOUND_PORT + ",[::1]:"
        + InjectionSettings.OUTBOUND_PORT);
    env(env, "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "[::]:" + InjectionSettings.INBOUND_PORT);
    fieldEnv(env, "LINKERD2_PROXY_INBOUND_IPS", "status.podIPs");
    Optional<String> podPorts = config.get("pod-inbound-ports").map(v -> join(new TreeSet<>(ports("pod-inbound-ports", v))));
    env(env, "LINKERD2_PROXY_INBOUND_PORTS", podPorts.orElse(join(new TreeSet<>(containerPorts))));
    if (ingress) {
      env(env, "LINKERD2_PROXY_INGRESS_MODE", "true");
    }
    env(env, "LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES", config.bool("enable-external-profiles", false) ? "."
        : "svc." + settings.clusterDomain() + ".");
    env(env, "LINKERD2_PROXY_INBOUND_ACCEPT_KEEPALIVE", defaults.keepalive());
    env(env, "LINKERD2_PROXY_OUTBOUND_CONNECT_KEEPALIVE", defaults.keepalive());
    env(env, "LINKERD2_PROXY_INBOUND_ACCEPT_USER_TIMEOUT", defaults.userTimeout());
    env(env, "LINKERD2_PROXY_OUTBOUND_CONNECT_USER_TIMEOUT", defaults.userTimeout());
    for (String side : List.of("INBOUND", "OUTBOUND")) {
      env(env, "LINKERD2_PROXY_" + side + "_SERVER_HTTP2_KEEP_ALIVE_INTERVAL", defaults.http2KeepAliveInterval());
      env(env, "LINKERD2_PROXY_" + side + "_SERVER_HTTP2_KEEP_ALIVE_TIMEOUT", defaults.http2KeepAliveTimeout());
    }
    env(env, "LINKERD2_PROXY_OUTBOUND_METRICS_HOSTNAME_LABELS", Boolean.toString(config.bool("proxy-metrics-hostname-labels", false)));
    if (!opaque.isEmpty()) {
      env(env, "LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION", join(opaque));
    }
    env(env, "LINKERD2_PROXY_DESTINATION_CONTEXT",
        "{\"ns\":\"$(_pod_ns)\", \"nodeName\":\"$(_pod_nodeName)\", \"pod\":\"$(_pod_name)\"}");
    fieldEnv(env, "_pod_sa", "spec.serviceAccountName");
    env(env, "_l5d_ns", settings.controlPlaneNamespace());
    env(env, "_l5d_trustdomain", settings.trustDomain());
    env(env, "LINKERD2_PROXY_IDENTITY_DIR", END_ENTITY_DIR);
    env(env, "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", settings.trustAnchorsPem());
    env(env, "LINKERD2_PROXY_IDENTITY_TOKEN_FILE", TOKEN_DIR + "/linkerd-identity-token");
    env(env, "LINKERD2_PROXY_IDENTITY_SVC_ADDR", settings.serviceAddress("linkerd-identity-headless", InjectionSettings.CONTROL_PLANE_GRPC_PORT));
    env(env, "LINKERD2_PROXY_IDENTITY_LOCAL_NAME", io.weft.protocol.identity.MeshIdentity.name("$(_pod_sa)", "$(_pod_ns)",
        settings.controlPlaneNamespace(), settings.trustDomain()));
    env(env, "LINKERD2_PROXY_IDENTITY_SVC_NAME", settings.identity("linkerd-identity"));
    env(env, "LINKERD2_PROXY_DESTINATION_SVC_NAME", settings.identity("linkerd-destination"));
    // Linkerd's policy controller runs in the destination pod, with its identity; so does Weft's.
    env(env, "LINKERD2_PROXY_POLICY_SVC_NAME", settings.identity("linkerd-destination"));
    config.get("access-log").ifPresent(v -> env(env, "LINKERD2_PROXY_ACCESS_LOG", v));
    config.get("shutdown-grace-period").ifPresent(v -> env(env, "LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD", v));
    if (config.tapEnabled()) {
      // What Linkerd viz's tap injector adds: the only identity the proxy's tap port serves.
      env(env, "LINKERD2_PROXY_TAP_SVC_NAME", new io.weft.protocol.identity.MeshIdentity(TAP_SERVICE_ACCOUNT, VIZ_NAMESPACE,
          settings.controlPlaneNamespace(), settings.trustDomain()).name());
    }
    return env;
  }

  private ObjectNode initContainer(Config config) {
    ObjectNode c = JSON.objectNode();
    c.put("name", INIT);
    c.put("image", settings.initImage() + ":" + settings.proxyVersion());
    c.put("imagePullPolicy", config.get("image-pull-policy").orElse("IfNotPresent"));
    LinkedHashSet<String> inboundIgnored = new LinkedHashSet<>(List.of(Integer.toString(InjectionSettings.CONTROL_PORT),
        Integer.toString(InjectionSettings.ADMIN_PORT), "4567", "4568"));
    config.get("skip-inbound-ports").ifPresent(v -> inboundIgnored.addAll(List.of(v.split("\\s*,\\s*"))));
    LinkedHashSet<String> outboundIgnored = new LinkedHashSet<>(List.of("4567", "4568"));
    config.get("skip-outbound-ports").ifPresent(v -> outboundIgnored.addAll(List.of(v.split("\\s*,\\s*"))));
    ArrayNode args = c.putArray("args");
    args.add("--incoming-proxy-port").add(Integer.toString(InjectionSettings.INBOUND_PORT))
        .add("--outgoing-proxy-port").add(Integer.toString(InjectionSettings.OUTBOUND_PORT))
        .add("--proxy-uid").add(Integer.toString(config.integer("proxy-uid").orElse(settings.proxyUid())))
        .add("--inbound-ports-to-ignore").add(String.join(",", inboundIgnored))
        .add("--outbound-ports-to-ignore").add(String.join(",", outboundIgnored));
    config.get("skip-subnets").ifPresent(v -> args.add("--subnets-to-ignore").add(v));
    ObjectNode security = c.putObject("securityContext");
    security.put("allowPrivilegeEscalation", false).put("privileged", false).put("readOnlyRootFilesystem", true)
        .put("runAsNonRoot", true).put("runAsUser", 65534).put("runAsGroup", 65534);
    security.putObject("capabilities").putArray("add").add("NET_ADMIN").add("NET_RAW");
    security.putObject("seccompProfile").put("type", "RuntimeDefault");
    c.putArray("volumeMounts").addObject().put("mountPath", "/run").put("name", XTABLES_VOLUME);
    return c;
  }

  /** The proxy's requests and limits from {@code proxy-{cpu,memory,ephemeral-storage}-{request,limit}}, each a Kubernetes quantity. */
  private static ObjectNode resources(Config config) {
    ObjectNode resources = JSON.objectNode();
    for (String kind : List.of("request", "limit")) {
      ObjectNode section = JSON.objectNode();
      for (String resource : List.of("cpu", "memory", "ephemeral-storage")) {
        String key = "proxy-" + resource + "-" + kind;
        config.get(key).ifPresent(v -> {
          quantity(key, v);
          section.put(resource, v);
        });
      }
      if (!section.isEmpty()) {
        resources.set(kind + "s", section);
      }
    }
    return resources;
  }

  /** The pod's {@code config.linkerd.io/*} annotations, read with their types. */
  private record Config(ObjectNode annotations) {
    /** Unless the pod opts out ({@code viz.linkerd.io/disable-tap}), its proxy serves tap to viz. */
    boolean tapEnabled() {
      JsonNode v = annotations.get(DISABLE_TAP);
      return v == null || !v.asText().trim().equals("true");
    }

    Optional<String> get(String key) {
      JsonNode v = annotations.get(CONFIG + key);
      return v == null || v.asText().isBlank() ? Optional.empty() : Optional.of(v.asText().trim());
    }

    boolean bool(String key, boolean fallback) {
      return get(key).map(v -> v.equals("enabled") || v.equals("true")).orElse(fallback);
    }

    /** Linkerd's {@code proxy.cores}: the CPU limit rounded up to whole cores (1500m is 2). */
    Optional<Integer> cores() {
      return get("proxy-cpu-limit").map(v -> Math.max(1, quantity("proxy-cpu-limit", v).setScale(0, java.math.RoundingMode.CEILING)
          .intValueExact()));
    }

    /** {@code proxy-log-http-headers: insecure} lets the proxy log headers; anything else but {@code off} is refused. */
    boolean logHttpHeaders() {
      return get("proxy-log-http-headers").map(v -> switch (v) {
        case "insecure" -> true;
        case "off" -> false;
        default -> throw new IllegalArgumentException(CONFIG + "proxy-log-http-headers: '" + v + "' is not insecure or off");
      }).orElse(false);
    }

    Optional<Integer> integer(String key) {
      return get(key).map(v -> {
        try {
          return Integer.parseInt(v);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(CONFIG + key + ": '" + v + "' is not a whole number");
        }
      });
    }
  }

  /** A Kubernetes quantity's amount ({@code 1500m}, {@code 256Mi}); one Kubernetes would refuse is refused here, naming the annotation. */
  private static java.math.BigDecimal quantity(String annotation, String value) {
    try {
      return io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(new io.fabric8.kubernetes.api.model.Quantity(value));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(CONFIG + annotation + ": '" + value + "' is not a Kubernetes quantity (like 500m or 256Mi)");
    }
  }

  /** {@code config.alpha.linkerd.io/proxy-wait-before-exit-seconds}, when set to more than 0. */
  private static Optional<Integer> waitBeforeExit(ObjectNode annotations) {
    JsonNode v = annotations.get(WAIT_BEFORE_EXIT);
    if (v == null || v.asText().isBlank()) {
      return Optional.empty();
    }
    try {
      int seconds = Integer.parseInt(v.asText().trim());
      if (seconds < 0) {
        throw new NumberFormatException();
      }
      return seconds == 0 ? Optional.empty() : Optional.of(seconds);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(WAIT_BEFORE_EXIT + ": '" + v.asText() + "' is not a whole number of seconds");
    }
  }

  /** Linkerd's reasons for not injecting, with its words (pkg/inject/report.go). */
  private static final Map<String, String> SKIP_REASONS = Map.of(
      "host_network_enabled", "hostNetwork is enabled",
      "sidecar_already_exists", "pod has a sidecar injected already",
      "injection_enable_annotation_absent", "neither the namespace nor the pod have the annotation \"" + INJECT + ":enabled\"",
      "injection_disable_annotation_present", "pod has the annotation \"" + INJECT + ":disabled\"",
      "invalid_inject_annotation_at_workload", "invalid value for annotation \"" + INJECT + "\" at workload",
      "invalid_inject_annotation_at_ns", "invalid value for annotation \"" + INJECT + "\" at namespace");

  private static Outcome.Skipped skipped(String reason) {
    return new Outcome.Skipped(reason, SKIP_REASONS.get(reason));
  }

  /**
   * Whether the pod already has a proxy: Linkerd's or another mesh's, by container name or image
   * (Linkerd's healthcheck.HasExistingSidecars), among containers and init containers alike (a
   * native sidecar is an init container).
   */
  private static boolean hasSidecar(ObjectNode spec) {
    for (String list : List.of("containers", "initContainers")) {
      for (JsonNode c : spec.path(list)) {
        String name = c.path("name").asText("");
        String image = c.path("image").asText("");
        if (SIDECAR_NAMES.contains(name) || SIDECAR_IMAGES.stream().anyMatch(image::startsWith)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isInjectValue(String v) {
    return v.equals("enabled") || v.equals("disabled") || v.equals("ingress");
  }

  private static Set<Integer> containerPorts(ObjectNode spec) {
    Set<Integer> ports = new TreeSet<>();
    spec.path("containers").forEach(c -> c.path("ports").forEach(p -> {
      if (!"UDP".equals(p.path("protocol").asText("TCP"))) {
        ports.add(p.path("containerPort").asInt());
      }
    }));
    return ports;
  }

  private static List<Integer> ports(String annotation, String list) {
    try {
      return io.weft.protocol.net.PortRanges.parse(list).stream().boxed().toList();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(CONFIG + annotation + ": " + e.getMessage(), e);
    }
  }


  private static String join(Set<Integer> ports) {
    return String.join(",", ports.stream().map(String::valueOf).toList());
  }

  private static boolean removeNamed(ObjectNode spec, String field, Set<String> names) {
    JsonNode list = spec.get(field);
    if (!(list instanceof ArrayNode array)) {
      return false;
    }
    boolean removed = false;
    for (int i = array.size() - 1; i >= 0; i--) {
      if (names.contains(array.get(i).path("name").asText())) {
        array.remove(i);
        removed = true;
      }
    }
    if (array.isEmpty()) {
      spec.remove(field);
    }
    return removed;
  }

  private static void dropIfEmpty(ObjectNode node, String field) {
    if (node.path(field).isEmpty()) {
      node.remove(field);
    }
  }

  private static void fieldEnv(ArrayNode env, String name, String path) {
    env.addObject().put("name", name).putObject("valueFrom").putObject("fieldRef").put("fieldPath", path);
  }

  private static void env(ArrayNode env, String name, String value) {
    env.addObject().put("name", name).put("value", value);
  }
}
