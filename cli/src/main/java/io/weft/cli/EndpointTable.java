package io.weft.cli;

import io.linkerd.proxy.destination.Update;
import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.protocol.net.TcpAddresses;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Prints endpoints as Linkerd's {@code diagnostics endpoints} does: NAMESPACE IP PORT POD SERVICE. */
final class EndpointTable {
  private final List<String[]> rows = new ArrayList<>();
  private final List<String> empty = new ArrayList<>();

  /** Adds the endpoints of a target's first answer. */
  void add(String authority, List<Update> initial) {
    boolean any = false;
    for (Update u : initial) {
      if (!u.hasAdd()) {
        continue;
      }
      String namespace = u.getAdd().getMetricLabelsOrDefault("namespace", "");
      String service = u.getAdd().getMetricLabelsOrDefault("service", "");
      for (WeightedAddr a : u.getAdd().getAddrsList()) {
        any = true;
        rows.add(new String[] {a.getMetricLabelsOrDefault("namespace", namespace),
            TcpAddresses.toInetAddress(a.getAddr().getIp()).getHostAddress(), Integer.toString(a.getAddr().getPort()),
            a.getMetricLabelsOrDefault("pod", ""), service.isEmpty() ? "" : service + "." + namespace});
      }
    }
    if (!any) {
      empty.add(authority);
    }
  }

  void print(PrintWriter out, PrintWriter err) {
    if (!rows.isEmpty()) {
      String[] header = {"NAMESPACE", "IP", "PORT", "POD", "SERVICE"};
      int[] widths = new int[header.length];
      List<String[]> all = new ArrayList<>();
      all.add(header);
      all.addAll(rows);
      for (String[] row : all) {
        for (int i = 0; i < row.length; i++) {
          widths[i] = Math.max(widths[i], row[i].length());
        }
      }
      for (String[] row : all) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < row.length; i++) {
          line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 3) + "s", row[i]));
        }
        out.println(line.toString().stripTrailing());
      }
    }
    empty.forEach(a -> err.println("No endpoints found for " + a + "."));
    out.flush();
    err.flush();
  }
}
