package io.weft.actors.cluster;

import com.typesafe.config.Config;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.discovery.Lookup;
import org.apache.pekko.discovery.ServiceDiscovery;
import org.apache.pekko.dispatch.MessageDispatcher;
import scala.concurrent.Future;
import scala.concurrent.duration.FiniteDuration;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FutureConverters;
import scala.jdk.javaapi.OptionConverters;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Pekko discovery of the control plane's own pods through the Kubernetes API, for Pekko
 * Management's cluster bootstrap: the running pods matching
 * {@code weft.control-plane.cluster-bootstrap.pod-label-selector}, each at its IP and the container
 * port the lookup names. Reads with fabric8, so it uses the same credentials (in-cluster service
 * account or kubeconfig) as the rest of the control plane.
 */
public final class KubernetesPodDiscovery extends ServiceDiscovery {
  /** Where Kubernetes puts the pod's own namespace. */
  private static final Path NAMESPACE_FILE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");
  private static final String DEFAULT_NAMESPACE = "default";

  private final KubernetesClient client;
  private final String namespace;
  private final String selector;
  private final MessageDispatcher blocking;

  public KubernetesPodDiscovery(ExtendedActorSystem system) {
    Config config = system.settings().config().getConfig("weft.control-plane.cluster-bootstrap");
    String kubeconfig = config.getString("kubeconfig");
    io.fabric8.kubernetes.client.Config api = kubeconfig.isEmpty() ? io.fabric8.kubernetes.client.Config.autoConfigure(null)
        : io.fabric8.kubernetes.client.Config.fromKubeconfig(null, Path.of(kubeconfig).toFile());
    this.client = new KubernetesClientBuilder().withConfig(api).build();
    this.namespace = namespace(config.getString("namespace"));
    this.selector = config.getString("pod-label-selector");
    this.blocking = system.dispatchers().lookup("pekko.actor.default-blocking-io-dispatcher");
    system.registerOnTermination(client::close);
  }

  @Override
  public Future<Resolved> lookup(Lookup lookup, FiniteDuration resolveTimeout) {
    Optional<String> portName = OptionConverters.toJava(lookup.portName());
    return FutureConverters.asScala(CompletableFuture.supplyAsync(() -> resolve(lookup.serviceName(), portName), blocking));
  }

  private Resolved resolve(String service, Optional<String> portName) {
    List<ResolvedTarget> targets = new ArrayList<>();
    for (Pod pod : client.pods().inNamespace(namespace).withLabelSelector(selector).list().getItems()) {
      String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
      if (ip == null || ip.isEmpty() || pod.getMetadata().getDeletionTimestamp() != null
          || !"Running".equals(pod.getStatus().getPhase())) {
        continue;
      }
      Optional<Integer> port = portName.flatMap(name -> pod.getSpec().getContainers().stream()
          .flatMap(c -> c.getPorts().stream()).filter(p -> name.equals(p.getName())).map(ContainerPort::getContainerPort)
          .findFirst());
      if (portName.isPresent() && port.isEmpty()) {
        continue;
      }
      targets.add(new ResolvedTarget(ip, OptionConverters.toScala(port.map(p -> (Object) p)),
          OptionConverters.toScala(Optional.of(InetAddress.ofLiteral(ip)))));
    }
    return new Resolved(service, CollectionConverters.asScala(targets).toList());
  }

  private static String namespace(String configured) {
    if (!configured.isEmpty()) {
      return configured;
    }
    try {
      return Files.isReadable(NAMESPACE_FILE) ? Files.readString(NAMESPACE_FILE).trim() : DEFAULT_NAMESPACE;
    } catch (java.io.IOException e) {
      return DEFAULT_NAMESPACE;
    }
  }
}
