package io.weft.bench;

import com.typesafe.config.ConfigFactory;
import io.linkerd.proxy.destination.DestinationClient;
import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.destination.Update;
import io.weft.actors.ControlPlane;
import io.weft.k8s.model.EndpointSliceResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ResourceMeta;
import io.weft.k8s.model.ServiceResource;
import io.weft.protocol.net.Authority;
import io.weft.protocol.net.TcpAddresses;
import io.weft.testkit.InMemoryCluster;
import org.HdrHistogram.Histogram;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.javadsl.Sink;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How fast an endpoint change reaches every subscribed proxy: {@code services} Services with
 * {@code endpoints} endpoints each, {@code streams} open Destination.Get streams over real gRPC on
 * loopback, then {@code changes} endpoint additions one at a time, each timed from the change
 * entering the control plane until every stream of that Service has it. A Service's endpoints are
 * cut into EndpointSlices of at most {@code perSlice} (Kubernetes' controller makes slices of 100),
 * and a new endpoint joins the last slice, as the controller would add it.
 *
 * <p>Usage: {@code bench/run fanout [services endpoints streams changes [perSlice]]}; (a) of issue 11 is
 * {@code 1000 10 2000 500}, (b), one hot Service, {@code 1 5000 2000 200}.
 */
public final class DestinationFanoutBench {
  private static final String NS = "bench";
  /** Pekko HTTP's HTTP/2 client rather than grpc-java's netty: the clients share the control plane's cores, so the cheaper one. */
  private static final String CLIENT_BACKEND = "pekko-http";
  private static final int CLIENTS = 40; // HTTP/2 connections, to stay under the server's stream limit per connection

  /**
   * What one stream has seen: how many addresses it was sent, and when each address the run will
   * add first arrived (only those: a hot Service's thousands of initial endpoints times thousands of
   * streams would otherwise make the benchmark's own bookkeeping the largest thing in the heap).
   */
  static final class Subscriber {
    final int service;
    final Set<String> timed;
    final AtomicInteger received = new AtomicInteger();
    final Map<String, Long> seenAt = new ConcurrentHashMap<>();
    /** The change being timed and the streams still to see it: counted down, so the driver waits without spinning. */
    final AtomicReference<Awaited> awaited;

    Subscriber(int service, Set<String> timed, AtomicReference<Awaited> awaited) {
      this.service = service;
      this.timed = timed;
      this.awaited = awaited;
    }

    void onUpdate(Update u) {
      long now = System.nanoTime();
      if (u.hasAdd()) {
        received.addAndGet(u.getAdd().getAddrsCount());
        u.getAdd().getAddrsList().forEach(a -> {
          String address = TcpAddresses.format(a.getAddr());
          if (timed.contains(address) && seenAt.putIfAbsent(address, now) == null) {
            Awaited change = awaited.get();
            if (change != null && change.address().equals(address)) {
              change.pending().countDown();
            }
          }
        });
      }
    }
  }

  /** The address a change adds, and a count of the streams of its Service that have not seen it yet. */
  record Awaited(String address, CountDownLatch pending) {}

  public static void main(String[] args) throws Exception {
    int services = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int endpoints = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int streams = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    int changes = args.length > 3 ? Integer.parseInt(args[3]) : 500;
    int perSlice = args.length > 4 ? Integer.parseInt(args[4]) : 100;
    Addresses addresses = new Addresses(endpoints + changes);

    var config = ConfigFactory.parseString(String.join("\n",
        "pekko.remote.artery.canonical.port = 0", "pekko.loglevel = WARNING",
        "weft.control-plane.destination.interface = \"127.0.0.1\"", "weft.control-plane.destination.port = 0", "weft.control-plane.admin.port = 0"))
        .withFallback(ConfigFactory.load());
    InMemoryCluster cluster = new InMemoryCluster(4096);
    long started = System.nanoTime();
    try (ControlPlane cp = ControlPlane.start(config, cluster, Optional.empty())) {
      for (int s = 0; s < services; s++) {
        cluster.apply(service(s));
        for (int e = 0; e < endpoints; e++) {
          cluster.apply(pod(addresses, s, e));
        }
        for (int first = 0; first < endpoints; first += perSlice) {
          cluster.apply(slice(addresses, s, first / perSlice, first, Math.min(endpoints, first + perSlice)));
        }
      }
      System.out.printf("loaded %d services, %d endpoints in %d ms%n", services, services * endpoints,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      System.gc();
      System.out.printf("control plane alone, state loaded: heap after GC %.1f MiB, RSS %s%n",
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0, rss());

      ActorSystem<Void> clientSystem = ActorSystem.create(Behaviors.empty(), "bench-clients",
          ConfigFactory.parseString("pekko.actor.provider = local\npekko.loglevel = WARNING").withFallback(ConfigFactory.load()));
      List<DestinationClient> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        clients.add(DestinationClient.create(
            GrpcClientSettings.connectToServiceAt("127.0.0.1", cp.destinationPort(), clientSystem).withTls(false)
                .withBackend(CLIENT_BACKEND), clientSystem));
      }
      List<Subscriber> subscribers = new ArrayList<>();
      List<List<Subscriber>> byService = new ArrayList<>();
      for (int s = 0; s < services; s++) {
        byService.add(new ArrayList<>());
      }
      // The changes, drawn before the streams open so each stream knows which addresses are timed.
      Random random = new Random(42);
      int[] next = new int[services];
      java.util.Arrays.fill(next, endpoints);
      int[][] plan = new int[changes][];
      Set<String> timed = new HashSet<>();
      AtomicReference<Awaited> awaited = new AtomicReference<>();
      for (int c = 0; c < changes; c++) {
        int s = random.nextInt(services);
        plan[c] = new int[] {s, next[s]++};
        timed.add(addresses.ip(s, plan[c][1]) + ":8080");
      }
      long opening = System.nanoTime();
      for (int i = 0; i < streams; i++) {
        Subscriber sub = new Subscriber(i % services, timed, awaited);
        subscribers.add(sub);
        byService.get(sub.service).add(sub);
        clients.get(i % CLIENTS).get(GetDestination.newBuilder().setPath(authority(sub.service)).build())
            .runWith(Sink.foreach(sub::onUpdate), clientSystem);
      }
      awaitAll(() -> subscribers.stream().allMatch(s -> s.received.get() >= endpoints), 600);
      System.out.printf("%d streams open with their initial state in %d ms%n", streams,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opening));

      Histogram allNotified = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
      Histogram perStream = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
      for (int[] step : plan) {
        int s = step[0];
        int e = step[1];
        String address = addresses.ip(s, e) + ":8080";
        List<Subscriber> mine = byService.get(s);
        Awaited change = new Awaited(address, new CountDownLatch(mine.size()));
        awaited.set(change);
        long t0 = System.nanoTime();
        cluster.apply(pod(addresses, s, e));
        int slice = e / perSlice;
        cluster.apply(slice(addresses, s, slice, slice * perSlice, e + 1));
        if (!change.pending().await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException(change.pending().getCount() + " streams did not see " + address + " within 30s");
        }
        long last = 0;
        for (Subscriber sub : mine) {
          long at = sub.seenAt.get(address);
          perStream.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(at - t0)));
          last = Math.max(last, at);
        }
        allNotified.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(last - t0)));
      }

      System.gc();
      long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      System.out.println();
      System.out.printf("services=%d endpoints=%d streams=%d changes=%d (one at a time), slices of %d%n", services,
          services * endpoints, streams, changes, perSlice);
      print("endpoint change -> every subscriber of the service notified", allNotified);
      print("endpoint change -> each stream notified", perStream);
      System.out.printf("heap after GC: %.1f MiB; RSS: %s (control plane and all %d client streams in one JVM)%n",
          heap / 1048576.0, rss(), streams);
      clients.forEach(DestinationClient::close);
      clientSystem.terminate();
    }
  }

  private static void print(String what, Histogram h) {
    System.out.printf("%s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms%n", what,
        h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
  }

  private static String rss() throws Exception {
    return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS"))
        .map(l -> l.replaceAll("\\s+", " ").substring("VmRSS: ".length())).findFirst().orElse("unknown");
  }

  private static void awaitAll(java.util.function.BooleanSupplier done, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not done within " + seconds + "s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  private static String authority(int s) {
    return new Authority(Authority.serviceName("svc-" + s, NS, "cluster.local"), 80).toString();
  }

  /** A distinct, valid 10.0.0.0/8 address for every endpoint a Service may have in the run. */
  record Addresses(int perService) {
    String ip(int s, int e) {
      int n = s * perService + e + 1;
      if (n >= 1 << 24) {
        throw new IllegalArgumentException("more endpoints than 10.0.0.0/8 holds");
      }
      return "10." + (n >> 16 & 0xff) + "." + (n >> 8 & 0xff) + "." + (n & 0xff);
    }
  }

  private static ServiceResource service(int s) {
    return new ServiceResource(new ResourceMeta(NS, "svc-" + s, "", "", Map.of(), Map.of()), "ClusterIP", "",
        Map.of("app", "svc-" + s), List.of(new ServiceResource.ServicePort("http", 80, 8080, "", "TCP")));
  }

  private static PodResource pod(Addresses addresses, int s, int e) {
    return new PodResource(new ResourceMeta(NS, "svc-" + s + "-" + e, "", "",
        Map.of("app", "svc-" + s, PodResource.CONTROL_PLANE_NS_LABEL, "linkerd"), Map.of()),
        addresses.ip(s, e), "node", "sa-" + s, "Running", true, false, List.of(), new PodResource.WorkloadRef("Deployment", "svc-" + s), List.of());
  }

  /** Slice {@code index} of Service {@code s}, holding its endpoints {@code from} (inclusive) to {@code to}. */
  private static EndpointSliceResource slice(Addresses addresses, int s, int index, int from, int to) {
    List<EndpointSliceResource.Endpoint> eps = new ArrayList<>();
    for (int e = from; e < to; e++) {
      eps.add(new EndpointSliceResource.Endpoint(List.of(addresses.ip(s, e)), true, true, false, "svc-" + s + "-" + e, "node",
          "zone-a"));
    }
    return new EndpointSliceResource(new ResourceMeta(NS, "svc-" + s + "-slice-" + index, "", "",
        Map.of(EndpointSliceResource.SERVICE_NAME_LABEL, "svc-" + s), Map.of()), "svc-" + s, "IPv4",
        List.of(new EndpointSliceResource.EndpointPort("http", 8080, "TCP")), eps);
  }
}
