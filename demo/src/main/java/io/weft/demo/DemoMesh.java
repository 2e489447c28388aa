package io.weft.demo;

import com.typesafe.config.ConfigFactory;
import io.weft.actors.ControlPlane;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ResourceKind;
import io.weft.proxy.config.ProxyConfig;
import io.weft.proxy.ProxyRuntime;
import io.weft.demo.emojivoto.EmojiService;
import io.weft.demo.emojivoto.VoteBot;
import io.weft.demo.emojivoto.VotingService;
import io.weft.demo.emojivoto.WebService;
import io.weft.demo.emojivoto.Workload;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The example app as a mesh on this machine: for every pod the control plane knows, a proxy on the
 * pod's loopback address (standard ports) and the pod's workload behind it, calling its
 * dependencies through that proxy.
 */
public final class DemoMesh implements AutoCloseable {
  /** The example app's port, as its manifests declare it. */
  private static final int APP_PORT = 8080;
  private static final String EMOJI = "emoji-svc.emojivoto:8080";
  private static final String VOTING = "voting-svc.emojivoto:8080";
  private static final String WEB = "web-svc.emojivoto:80";

  /** One pod: its proxy and, if the example app has one for it, its workload. */
  public record Member(PodResource pod, ProxyRuntime proxy, Optional<Workload> workload) {
    public String deployment() {
      return pod.owner() == null ? pod.meta().name() : pod.owner().name();
    }
  }

  private final List<Member> members;

  private DemoMesh(List<Member> members) {
    this.members = members;
  }

  /** How long a proxy may take to get its first certificate. */
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  /**
   * Starts a proxy per pod (with identity from {@code identity}, whose issuer the control plane
   * uses), waits until every proxy is ready, then starts the workloads.
   */
  public static DemoMesh start(ControlPlane controlPlane, InetSocketAddress destination, Duration voteInterval,
                               DemoIdentity identity) {
    List<Member> members = new ArrayList<>();
    try {
      String controlPlaneAddress = destination.getHostString() + ":" + destination.getPort();
      List<ProxyRuntime> proxies = new ArrayList<>();
      List<PodResource> pods = controlPlane.queries().objects(ResourceKind.POD, PodResource.class).toCompletableFuture().join();
      for (PodResource pod : pods) {
        String ip = pod.podIP();
        Map<String, String> env = new HashMap<>(Map.of(
            "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", ip + ":4143",
            "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", ip + ":4140",
            "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", ip + ":4191",
            "LINKERD2_PROXY_CONTROL_LISTEN_ADDR", ip + ":4190",
            "LINKERD2_PROXY_DESTINATION_SVC_ADDR", destination.getHostString() + ":" + destination.getPort(),
            "LINKERD2_PROXY_DESTINATION_CONTEXT",
            "{\"ns\":\"" + pod.meta().namespace() + "\",\"nodeName\":\"" + pod.nodeName() + "\",\"pod\":\"" + pod.meta().name() + "\"}"));
        env.putAll(identity.proxyEnvironment(pod, controlPlaneAddress));
        // Each proxy follows its pod's inbound policy, as the injector's settings make it do in a cluster.
        env.put("LINKERD2_PROXY_POLICY_SVC_ADDR", controlPlaneAddress);
        env.put("LINKERD2_PROXY_POLICY_WORKLOAD", "{\"ns\":\"" + pod.meta().namespace() + "\",\"pod\":\"" + pod.meta().name() + "\"}");
        env.put("LINKERD2_PROXY_INBOUND_PORTS", pod.ports().isEmpty() ? Integer.toString(APP_PORT)
            : String.join(",", pod.ports().stream().map(p -> Integer.toString(p.containerPort())).toList()));
        ProxyRuntime proxy = ProxyRuntime.start(ProxyConfig.fromEnv(env), env, ConfigFactory.load());
        proxies.add(proxy);
        members.add(new Member(pod, proxy, Optional.empty()));
      }
      for (ProxyRuntime proxy : proxies) {
        proxy.ready().toCompletableFuture().orTimeout(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
      }
      for (int i = 0; i < pods.size(); i++) {
        PodResource pod = pods.get(i);
        String ip = pod.podIP();
        ProxyRuntime proxy = proxies.get(i);
        InetSocketAddress listen = new InetSocketAddress(ip, APP_PORT);
        InetSocketAddress outbound = proxy.outboundAddress();
        String deployment = pod.owner() == null ? "" : pod.owner().name();
        Optional<Workload> workload = Optional.ofNullable(switch (deployment) {
          case "emoji" -> new EmojiService(listen, outbound);
          case "voting" -> new VotingService(listen, outbound);
          case "web" -> new WebService(listen, outbound, EMOJI, VOTING);
          case "vote-bot" -> new VoteBot(listen, outbound, WEB, voteInterval);
          default -> null;
        });
        members.set(i, new Member(pod, proxy, workload));
      }
      return new DemoMesh(members);
    } catch (IOException e) {
      new DemoMesh(members).close();
      throw new UncheckedIOException("cannot write the proxies' identity files", e);
    } catch (RuntimeException e) {
      new DemoMesh(members).close();
      throw e;
    }
  }

  public List<Member> members() {
    return members;
  }

  @Override
  public void close() {
    members.forEach(m -> m.workload().ifPresent(Workload::close));
    members.forEach(m -> m.proxy().close());
  }
}
