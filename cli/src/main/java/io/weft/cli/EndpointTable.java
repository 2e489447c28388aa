package io.weft.cli;

import io.linkerd.proxy.destination.Update;
import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.protocol.net.TcpAddresses;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Prints endpoints as Linkerd's {@code diagnostics endpoints} does: NAMESPACE IP PORT POD SERVICE. */
final class EndpointTable {
  private final Table rows = new Table("NAMESPACE", "IP", "PORT", "POD", "SERVICE");
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
        rows.add(a.getMetricLabelsOrDefault("namespace", namespace),
            TcpAddresses.toInetAddress(a.getAddr().getIp()).getHostAddress(), Integer.toString(a.getAddr().getPort()),
            a.getMetricLabelsOrDefault("pod", ""), service.isEmpty() ? "" : service + "." + namespace);
      }
    }
    if (!any) {
      empty.add(authority);
    }
  }

  void print(PrintWriter out, PrintWriter err) {
    if (!rows.isEmpty()) {
      rows.print(out);
    }
    empty.forEach(a -> err.println("No endpoints found for " + a + "."));
    out.flush();
    err.flush();
  }
}
