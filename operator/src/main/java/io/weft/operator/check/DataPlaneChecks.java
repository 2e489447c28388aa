package io.weft.operator.check;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.weft.k8s.Digests;
import io.weft.protocol.identity.IssuerMaterial;
import io.weft.k8s.identity.IssuerSecrets;
import io.weft.operator.inject.ProxyInjector;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Meshed pods ({@code --proxy}): {@code linkerd-identity-data-plane} and {@code linkerd-data-plane}. */
final class DataPlaneChecks {
  private static final int LISTED = 5;
  private static final String INBOUND_PORTS_ENV = "LINKERD2_PROXY_INBOUND_PORTS";
  private static final String ADMIN_ENV = "LINKERD2_PROXY_ADMIN_LISTEN_ADDR";
  private static final String DEFAULT_ADMIN_PORT = "4191";
  private static final java.util.regex.Pattern POLICY_STREAM =
      java.util.regex.Pattern.compile("inbound_policy_stream_up\\{port=\"(\\d+)\"} (\\S+)");
  private final CheckTarget target;

  DataPlaneChecks(CheckTarget target) {
    this.target = target;
  }

  Category identity() {
    return new Category("linkerd-identity-data-plane", List.of(Check.of("data plane proxies certificate match CA",
        "restart these workloads (kubectl rollout restart) so their proxies start with the current trust anchors", () -> {
          IssuerSecrets secrets = new IssuerSecrets(target.client, target.namespace);
          IssuerMaterial material = secrets.read().orElseThrow(() -> CheckProblem.error(secrets.describe() + " do not exist"));
          String current = Digests.sha256Hex(material.trustAnchorsPem());
          failIfAny(meshedPods().filter(p -> !current.equals(annotation(p, ProxyInjector.TRUST_ROOT_ANNOTATION))).toList(),
              "started with other trust anchors", false);
        })));
  }

  Category proxies() {
    List<Check> checks = new ArrayList<>();
    target.dataPlaneNamespace.ifPresent(ns -> checks.add(Check.of("data plane namespace exists",
        "check the namespace given with -n", () -> {
          if (target.client.namespaces().withName(ns).get() == null) {
            throw CheckProblem.error("namespace " + ns + " does not exist");
          }
        })));
    checks.add(Check.of("data plane proxies are ready", "see kubectl logs POD -c linkerd-proxy: a proxy is ready once it "
        + "has its certificate from the control plane", () -> {
          List<Pod> pods = meshedPods().toList();
          if (pods.isEmpty()) {
            throw CheckProblem.error("no meshed pods found" + target.dataPlaneNamespace.map(ns -> " in " + ns).orElse(""));
          }
          failIfAny(pods.stream().filter(p -> !proxyReady(p)).toList(), "proxy not ready", false);
        }).awaited());
    checks.add(Check.of("data plane proxies follow their inbound policy", "a proxy whose policy stream is down enforces its "
        + "last answer (or its default policy) and misses every change: check that it reaches the control plane's policy "
        + "service (kubectl logs POD -c linkerd-proxy)", () -> {
          List<String> down = new ArrayList<>();
          for (Pod pod : meshedPods().filter(p -> proxyReady(p) && followsPolicy(p)).toList()) {
            List<String> ports = policyStreamsDown(pod);
            if (!ports.isEmpty()) {
              down.add(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName() + " (port " + String.join(", ", ports) + ")");
            }
          }
          if (!down.isEmpty()) {
            throw CheckProblem.error(down.size() + " proxy(ies) not following their inbound policy: "
                + String.join(", ", down.stream().limit(LISTED).toList()) + (down.size() > LISTED ? " and " + (down.size() - LISTED) + " more" : ""));
          }
        }));
    checks.add(Check.of("data plane and cli versions match", "restart the workloads after a control-plane upgrade so the "
        + "injector gives them the new proxy", () -> failIfAny(meshedPods()
        .filter(p -> !target.cliVersion.equals(annotation(p, ProxyInjector.PROXY_VERSION_ANNOTATION))).toList(), "running another proxy version", true)));
    return new Category("linkerd-data-plane", checks);
  }

  private Stream<Pod> meshedPods() {
    var pods = target.dataPlaneNamespace.isPresent() ? target.client.pods().inNamespace(target.dataPlaneNamespace.get())
        : target.client.pods().inAnyNamespace();
    return pods.list().getItems().stream().filter(DataPlaneChecks::meshed);
  }

  private static boolean meshed(Pod pod) {
    return Stream.concat(pod.getSpec().getContainers().stream(), pod.getSpec().getInitContainers().stream())
        .anyMatch(c -> ProxyInjector.PROXY.equals(c.getName()));
  }

  private static boolean proxyReady(Pod pod) {
    if (pod.getStatus() == null) {
      return false;
    }
    return Stream.concat(pod.getStatus().getContainerStatuses().stream(), pod.getStatus().getInitContainerStatuses().stream())
        .filter(s -> ProxyInjector.PROXY.equals(s.getName())).anyMatch(ContainerStatus::getReady);
  }

  /** Whether the injector gave the pod's proxy ports whose policy it follows. */
  private static boolean followsPolicy(Pod pod) {
    return !proxyEnv(pod, INBOUND_PORTS_ENV).isEmpty();
  }

  /**
   * The ports whose policy stream the proxy reports down ({@code inbound_policy_stream_up} 0), read
   * from its admin port through the API server's pod proxy, as {@code linkerd diagnostics} does.
   */
  private List<String> policyStreamsDown(Pod pod) throws CheckProblem {
    String admin = proxyEnv(pod, ADMIN_ENV);
    String port = admin.contains(":") ? admin.substring(admin.lastIndexOf(':') + 1) : DEFAULT_ADMIN_PORT;
    String metrics;
    try {
      metrics = target.client.raw("/api/v1/namespaces/" + pod.getMetadata().getNamespace() + "/pods/" + pod.getMetadata().getName()
          + ":" + port + "/proxy/metrics");
    } catch (RuntimeException e) {
      metrics = null;
    }
    if (metrics == null) {
      throw CheckProblem.error("cannot read the metrics of the proxy of " + pod.getMetadata().getNamespace() + "/"
          + pod.getMetadata().getName() + " on its admin port " + port);
    }
    List<String> down = new ArrayList<>();
    for (String line : metrics.lines().toList()) {
      java.util.regex.Matcher m = POLICY_STREAM.matcher(line);
      if (m.matches() && Double.parseDouble(m.group(2)) == 0) {
        down.add(m.group(1));
      }
    }
    return down;
  }

  private static String proxyEnv(Pod pod, String name) {
    return Stream.concat(pod.getSpec().getContainers().stream(), pod.getSpec().getInitContainers().stream())
        .filter(c -> ProxyInjector.PROXY.equals(c.getName())).flatMap(c -> c.getEnv() == null ? Stream.empty() : c.getEnv().stream())
        .filter(e -> name.equals(e.getName()) && e.getValue() != null).map(e -> e.getValue()).findFirst().orElse("");
  }

  private static String annotation(Pod pod, String key) {
    return pod.getMetadata().getAnnotations() == null ? "" : pod.getMetadata().getAnnotations().getOrDefault(key, "");
  }

  private static void failIfAny(List<Pod> pods, String what, boolean warning) throws CheckProblem {
    if (pods.isEmpty()) {
      return;
    }
    String names = String.join(", ", pods.stream().limit(LISTED)
        .map(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName()).toList())
        + (pods.size() > LISTED ? " and " + (pods.size() - LISTED) + " more" : "");
    String message = pods.size() + " pod(s) " + what + ": " + names;
    throw warning ? CheckProblem.warning(message) : CheckProblem.error(message);
  }
}
