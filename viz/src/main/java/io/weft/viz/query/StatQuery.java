package io.weft.viz.query;

import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ServiceResource;
import io.weft.protocol.admin.PrometheusSamples.Sample;
import io.weft.viz.inventory.MeshInventory;
import io.weft.viz.metrics.MetricSource;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Linkerd's {@code viz stat}: golden metrics per resource, from the proxies' own metrics. A
 * workload, pod or namespace is measured where its traffic arrives (its pods' inbound side); a
 * Service where its callers sent it (their outbound side, {@code dst_service}). With {@code --to},
 * the resource's pods' outbound traffic to the other; with {@code --from}, the other's outbound
 * traffic to the resource.
 */
public final class StatQuery {
  private StatQuery() {}

  public static List<StatRow> run(StatRequest request, MeshInventory inventory, MetricSource metrics) {
    VizKind kind = request.resource().kind();
    java.util.function.Function<io.weft.k8s.model.ResourceKey, io.weft.viz.metrics.Scrape[]> history = metrics.window(request.window());
    Map<Key, List<PodResource>> resources = kind == VizKind.SERVICE ? services(request, inventory) : grouped(request, inventory);
    List<StatRow> rows = new ArrayList<>();
    for (Map.Entry<Key, List<PodResource>> resource : resources.entrySet()) {
      Key key = resource.getKey();
      Golden golden = new Golden();
      boolean inbound = request.from().isEmpty() && request.to().isEmpty() && kind != VizKind.SERVICE;
      if (inbound) {
        for (PodResource pod : resource.getValue()) {
          PodWindow window = PodWindow.of(history.apply(pod.key()), request.window());
          golden.add(window, s -> s.label("direction").equals("inbound"));
          golden.addInboundTcp(window);
        }
      } else {
        Predicate<Sample> outbound = s -> s.label("direction").equals("outbound");
        List<PodResource> callers;
        Predicate<Sample> destination;
        if (request.to().isPresent()) {
          callers = resource.getValue();
          destination = names(request.to().get(), request.toNamespace().orElse(key.namespace()));
        } else if (request.from().isPresent()) {
          ResourceRef from = request.from().get();
          String fromNamespace = request.fromNamespace().orElse(key.namespace());
          callers = inventory.meshedPods().stream().filter(p -> from.picks(p, fromNamespace)).toList();
          destination = names(new ResourceRef(kind, Optional.of(key.name())), key.namespace());
        } else {
          callers = inventory.meshedPods(); // a Service: whoever called it
          destination = names(new ResourceRef(kind, Optional.of(key.name())), key.namespace());
        }
        for (PodResource pod : callers) {
          golden.add(PodWindow.of(history.apply(pod.key()), request.window()), outbound.and(destination));
        }
      }
      rows.add(row(key, kind, resource.getValue(), golden, inbound));
    }
    rows.sort(Comparator.comparing(StatRow::namespace).thenComparing(StatRow::name));
    return rows;
  }

  /** The samples whose destination labels name {@code resource} in {@code namespace}. */
  private static Predicate<Sample> names(ResourceRef resource, String namespace) {
    String label = resource.kind().dstLabel();
    String name = resource.name().orElseThrow();
    if (resource.kind() == VizKind.NAMESPACE) {
      return s -> s.label("dst_namespace").equals(name);
    }
    return s -> s.label("dst_namespace").equals(namespace) && s.label(label).equals(name);
  }

  private record Key(String namespace, String name) {}

  /** The resources of the kind asked for, each with its pods (meshed or not). */
  private static Map<Key, List<PodResource>> grouped(StatRequest request, MeshInventory inventory) {
    VizKind kind = request.resource().kind();
    Map<Key, List<PodResource>> groups = new TreeMap<>(Comparator.comparing(Key::namespace).thenComparing(Key::name));
    for (PodResource pod : inventory.allPods()) {
      if (pod.terminating() || !inScope(pod.meta().namespace(), request, kind)) {
        continue;
      }
      kind.of(pod).filter(name -> request.resource().name().map(name::equals).orElse(true))
          .ifPresent(name -> groups.computeIfAbsent(new Key(kind == VizKind.NAMESPACE ? "" : pod.meta().namespace(), name),
              k -> new ArrayList<>()).add(pod));
    }
    return groups;
  }

  private static boolean inScope(String namespace, StatRequest request, VizKind kind) {
    return kind == VizKind.NAMESPACE || request.namespace().map(namespace::equals).orElse(true);
  }

  /** Services, each with the pods its selector picks. */
  private static Map<Key, List<PodResource>> services(StatRequest request, MeshInventory inventory) {
    Map<Key, List<PodResource>> groups = new TreeMap<>(Comparator.comparing(Key::namespace).thenComparing(Key::name));
    for (ServiceResource service : inventory.services().values()) {
      String ns = service.meta().namespace();
      if (request.namespace().map(ns::equals).orElse(true)
          && request.resource().name().map(service.meta().name()::equals).orElse(true)) {
        groups.put(new Key(ns, service.meta().name()), inventory.allPods().stream().filter(service::selects).toList());
      }
    }
    return groups;
  }

  private static StatRow row(Key key, VizKind kind, List<PodResource> pods, Golden golden, boolean inbound) {
    long meshed = pods.stream().filter(PodResource::meshed).count();
    String meshedColumn = kind == VizKind.SERVICE ? "-" : meshed + "/" + pods.size();
    if (!golden.measured) {
      return new StatRow(key.namespace(), kind.displayName(), key.name(), meshedColumn, null, null, null, null, null, null,
          null, null, null);
    }
    boolean answered = golden.responses > 0;
    return new StatRow(key.namespace(), kind.displayName(), key.name(), meshedColumn, Math.round(golden.responses),
        answered ? golden.successes / golden.responses : null, answered ? golden.rps : null,
        box(Quantiles.of(0.5, golden.buckets)), box(Quantiles.of(0.95, golden.buckets)), box(Quantiles.of(0.99, golden.buckets)),
        inbound ? Math.round(golden.openConnections) : null,
        inbound ? golden.readBytesPerSecond : null, inbound ? golden.writeBytesPerSecond : null);
  }

  private static Double box(java.util.OptionalDouble value) {
    return value.isPresent() ? value.getAsDouble() : null;
  }
}
