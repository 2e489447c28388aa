package io.weft.cli;

import io.weft.viz.query.Edge;
import io.weft.viz.query.RouteRow;
import io.weft.viz.query.StatRow;
import io.weft.viz.tap.TapView;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** Linkerd's viz tables and tap lines, as its CLI prints them; {@code weft viz} and {@code weft demo} share them. */
final class VizTables {
  /** The label naming the resource at a tap event's end, and the short kind Linkerd's tap lines write for it. */
  private static final String[][] SHORT_KINDS = {{"deployment", "deploy"}, {"statefulset", "sts"}, {"daemonset", "ds"},
      {"job", "job"}, {"pod", "po"}};

  private VizTables() {}

  static void stat(List<StatRow> rows, boolean wide, boolean withNamespace, PrintWriter out) {
    Table table = wide
        ? header(withNamespace, "NAME", "MESHED", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P95", "LATENCY_P99", "TCP_CONN",
            "READ_BYTES/SEC", "WRITE_BYTES/SEC")
        : header(withNamespace, "NAME", "MESHED", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P95", "LATENCY_P99", "TCP_CONN");
    for (StatRow r : rows) {
      String[] columns = {r.name(), r.meshed(), percent(r.success()), rps(r.rps()), millis(r.latencyMsP50()),
          millis(r.latencyMsP95()), millis(r.latencyMsP99()), r.tcpOpenConnections() == null ? "-" : r.tcpOpenConnections().toString()};
      if (wide) {
        columns = concat(columns, bytes(r.readBytesPerSecond()), bytes(r.writeBytesPerSecond()));
      }
      table.add(withNamespace ? concat(new String[] {r.namespace()}, columns) : columns);
    }
    print(table, out, "No traffic found.");
  }

  static void routes(List<RouteRow> rows, boolean wide, PrintWriter out) {
    Table table = wide
        ? new Table("ROUTE", "SERVICE", "EFFECTIVE_SUCCESS", "EFFECTIVE_RPS", "ACTUAL_SUCCESS", "ACTUAL_RPS", "LATENCY_P50",
            "LATENCY_P95", "LATENCY_P99")
        : new Table("ROUTE", "SERVICE", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P95", "LATENCY_P99");
    for (RouteRow r : rows) {
      table.add(wide
          ? new String[] {r.route(), r.service(), percent(r.effectiveSuccess()), rps(r.effectiveRps()), percent(r.actualSuccess()),
              rps(r.actualRps()), millis(r.latencyMsP50()), millis(r.latencyMsP95()), millis(r.latencyMsP99())}
          : new String[] {r.route(), r.service(), percent(r.effectiveSuccess()), rps(r.effectiveRps()), millis(r.latencyMsP50()),
              millis(r.latencyMsP95()), millis(r.latencyMsP99())});
    }
    print(table, out, "No routes found.");
  }

  static void edges(List<Edge> edges, boolean wide, PrintWriter out) {
    Table table = wide ? new Table("SRC", "DST", "SRC_NS", "DST_NS", "CLIENT_ID", "SERVER_ID", "SECURED")
        : new Table("SRC", "DST", "SRC_NS", "DST_NS", "SECURED");
    for (Edge e : edges) {
      String secured = e.secured() ? "√" : "×";
      table.add(wide ? new String[] {e.source(), e.destination(), e.sourceNamespace(), e.destinationNamespace(), e.clientId(),
          e.serverId(), secured} : new String[] {e.source(), e.destination(), e.sourceNamespace(), e.destinationNamespace(), secured});
    }
    print(table, out, "No edges found.");
  }

  /** Linkerd's tap line: {@code req id=0:1 proxy=in  src=… dst=… tls=true :method=GET …}; wide adds the resources at each end. */
  static String tapLine(TapView v, boolean wide) {
    StringBuilder line = new StringBuilder(v.type()).append(" id=").append(v.id()).append(" proxy=")
        .append(v.proxy().equals("in") ? "in " : "out").append(" src=").append(v.source()).append(" dst=").append(v.destination())
        .append(" tls=").append(v.tls());
    switch (v.type()) {
      case TapView.REQUEST -> line.append(" :method=").append(v.method()).append(" :authority=").append(v.authority())
          .append(" :path=").append(v.path());
      case TapView.RESPONSE -> line.append(" :status=").append(v.status()).append(" latency=").append(v.latencyMicros()).append("µs");
      default -> {
        if (v.grpcStatus() != null) {
          line.append(" grpc-status=").append(GrpcStatus.name(v.grpcStatus()));
        }
        line.append(" duration=").append(v.durationMicros() == null ? 0 : v.durationMicros()).append("µs response-length=")
            .append(v.responseBytes()).append("B");
      }
    }
    if (wide) {
      line.append(resource(" src_res=", " src_ns=", v.sourceMeta())).append(resource(" dst_res=", " dst_ns=", v.destinationMeta()));
    }
    return line.toString();
  }

  private static String resource(String label, String namespaceLabel, java.util.Map<String, String> meta) {
    for (String[] kind : SHORT_KINDS) {
      String name = meta.get(kind[0]);
      if (name != null && !name.isEmpty()) {
        return label + kind[1] + "/" + name + namespaceLabel + meta.getOrDefault("namespace", "");
      }
    }
    return "";
  }

  private static Table header(boolean withNamespace, String... columns) {
    return new Table(withNamespace ? concat(new String[] {"NAMESPACE"}, columns) : columns);
  }

  private static void print(Table table, PrintWriter out, String empty) {
    if (table.isEmpty()) {
      out.println(empty);
      out.flush();
      return;
    }
    table.print(out);
  }

  private static String[] concat(String[] head, String... tail) {
    String[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, all, head.length, tail.length);
    return all;
  }

  static String percent(Double rate) {
    return rate == null ? "-" : String.format(Locale.ROOT, "%.2f%%", rate * 100);
  }

  static String rps(Double rps) {
    return rps == null ? "-" : String.format(Locale.ROOT, "%.1frps", rps);
  }

  static String millis(Double ms) {
    return ms == null ? "-" : String.format(Locale.ROOT, "%.0fms", Math.ceil(ms));
  }

  private static String bytes(Double perSecond) {
    return perSecond == null ? "-" : String.format(Locale.ROOT, "%.1fB/s", perSecond);
  }

  /** gRPC's status names, as Linkerd's tap prints them. */
  private static final class GrpcStatus {
    private static final String[] NAMES = {"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
        "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange",
        "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"};

    static String name(int code) {
      return code >= 0 && code < NAMES.length ? NAMES[code] : Integer.toString(code);
    }
  }
}
