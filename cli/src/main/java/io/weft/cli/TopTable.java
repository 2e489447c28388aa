package io.weft.cli;

import io.weft.viz.tap.TapView;

import java.io.PrintWriter;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Linkerd's {@code viz top} table, built from tap: per source, destination, method and path, how
 * many requests ended, their best, worst and last latency, and how many succeeded and failed.
 */
final class TopTable {
  private record Key(String source, String destination, String method, String path) {}

  private static final class Row {
    long count;
    long best = Long.MAX_VALUE;
    long worst;
    long last;
    long successes;
    long failures;
  }

  private final Map<String, TapView> requests = new HashMap<>();
  private final Map<String, Integer> statuses = new HashMap<>();
  private final Map<Key, Row> rows = new TreeMap<>(Comparator.comparing(Key::source).thenComparing(Key::destination)
      .thenComparing(Key::method).thenComparing(Key::path));

  /** Takes one tap event; true when it ended a request (and so changed the table). */
  boolean add(TapView view) {
    String id = view.pod() + "/" + view.proxy() + "/" + view.id();
    switch (view.type()) {
      case TapView.REQUEST -> {
        requests.put(id, view);
        return false;
      }
      case TapView.RESPONSE -> {
        statuses.put(id, view.status());
        return false;
      }
      default -> {
        TapView request = requests.remove(id);
        Integer status = statuses.remove(id);
        if (request == null) {
          return false;
        }
        Row row = rows.computeIfAbsent(new Key(end(request.sourceMeta(), request.source()),
            end(request.destinationMeta(), request.destination()), request.method(), request.path()), k -> new Row());
        long latency = view.latencyMicros() == null ? 0 : view.latencyMicros();
        row.count++;
        row.best = Math.min(row.best, latency);
        row.worst = Math.max(row.worst, latency);
        row.last = latency;
        boolean failed = status == null || status >= 500 || (view.grpcStatus() != null && view.grpcStatus() != 0);
        if (failed) {
          row.failures++;
        } else {
          row.successes++;
        }
        return true;
      }
    }
  }

  /** An end as top names it: its pod, else its workload, else its address. */
  private static String end(Map<String, String> meta, String address) {
    for (String label : List.of("pod", "deployment", "statefulset", "daemonset", "job")) {
      String name = meta.get(label);
      if (name != null && !name.isEmpty()) {
        return label.equals("pod") ? name : label + "/" + name;
      }
    }
    return address.replaceAll(":\\d+$", "");
  }

  void print(PrintWriter out) {
    Table table = new Table("SOURCE", "DESTINATION", "METHOD", "PATH", "COUNT", "BEST", "WORST", "LAST", "SUCCESS_RATE");
    rows.entrySet().stream().sorted(Comparator.comparing((Map.Entry<Key, Row> e) -> e.getValue().count).reversed())
        .forEach(e -> {
          Row r = e.getValue();
          table.add(e.getKey().source(), e.getKey().destination(), e.getKey().method(), e.getKey().path(), Long.toString(r.count),
              micros(r.best), micros(r.worst), micros(r.last), VizTables.percent((double) r.successes / (r.successes + r.failures)));
        });
    table.print(out);
  }

  private static String micros(long value) {
    return value >= 1000 ? (value / 1000) + "ms" : value + "µs";
  }
}
