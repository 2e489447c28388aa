package io.weft.actors.discovery;

import io.linkerd.proxy.destination.AddrSet;
import io.linkerd.proxy.destination.NoEndpoints;
import io.linkerd.proxy.destination.ProtocolHint;
import io.linkerd.proxy.destination.TlsIdentity;
import io.linkerd.proxy.destination.Update;
import io.linkerd.proxy.destination.WeightedAddr;
import io.linkerd.proxy.destination.WeightedAddrSet;
import io.weft.protocol.net.TcpAddresses;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Turns two snapshots into the {@code Update}s that take a proxy from one to the other, following
 * the Destination API's contract: the first message is the whole state; then Add for new or
 * changed endpoints, Remove for gone ones; NoEndpoints{exists:false} when the Service disappears.
 */
public final class UpdateDiff {
  private UpdateDiff() {}

  /** The first message(s) of a stream. */
  public static List<Update> initial(EndpointSnapshot state) {
    if (state.endpoints().isEmpty()) {
      return List.of(noEndpoints(state.exists()));
    }
    return List.of(add(state, state.endpoints().values()));
  }

  public static List<Update> between(EndpointSnapshot before, EndpointSnapshot after) {
    if (!after.exists()) {
      return before.exists() || !before.endpoints().isEmpty() ? List.of(noEndpoints(false)) : List.of();
    }
    List<Update> updates = new ArrayList<>(2);
    List<EndpointInfo> removed = new ArrayList<>();
    List<EndpointInfo> added = new ArrayList<>();
    // Both maps are sorted by address: one walk over the two finds what left, came or changed
    // (a Service's thousands of endpoints are compared once each, not looked up one by one).
    Iterator<Map.Entry<String, EndpointInfo>> was = before.endpoints().entrySet().iterator();
    Iterator<Map.Entry<String, EndpointInfo>> is = after.endpoints().entrySet().iterator();
    Map.Entry<String, EndpointInfo> old = next(was);
    Map.Entry<String, EndpointInfo> now = next(is);
    while (old != null || now != null) {
      int order = old == null ? 1 : now == null ? -1 : old.getKey().compareTo(now.getKey());
      if (order < 0) {
        removed.add(old.getValue());
        old = next(was);
      } else if (order > 0) {
        added.add(now.getValue());
        now = next(is);
      } else {
        if (old.getValue() != now.getValue() && !old.getValue().equals(now.getValue())) {
          added.add(now.getValue());
        }
        old = next(was);
        now = next(is);
      }
    }
    if (!removed.isEmpty()) {
      AddrSet.Builder set = AddrSet.newBuilder();
      removed.forEach(r -> set.addAddrs(TcpAddresses.of(r.ip(), r.port())));
      updates.add(Update.newBuilder().setRemove(set).build());
    }
    if (!added.isEmpty()) {
      updates.add(add(after, added));
    }
    if (!before.exists() && after.endpoints().isEmpty()) {
      updates.add(noEndpoints(true)); // the Service appeared, still without endpoints
    }
    return updates;
  }

  private static <E> E next(Iterator<E> entries) {
    return entries.hasNext() ? entries.next() : null;
  }

  private static Update noEndpoints(boolean exists) {
    return Update.newBuilder().setNoEndpoints(NoEndpoints.newBuilder().setExists(exists)).build();
  }

  private static Update add(EndpointSnapshot state, Iterable<EndpointInfo> endpoints) {
    WeightedAddrSet.Builder set = WeightedAddrSet.newBuilder().putAllMetricLabels(state.setLabels());
    endpoints.forEach(e -> set.addAddrs(weightedAddr(e)));
    return Update.newBuilder().setAdd(set).build();
  }

  public static WeightedAddr weightedAddr(EndpointInfo e) {
    WeightedAddr.Builder addr = WeightedAddr.newBuilder()
        .setAddr(TcpAddresses.of(e.ip(), e.port()))
        .setWeight(e.weight())
        .putAllMetricLabels(e.labels());
    if (!e.identity().isEmpty()) {
      TlsIdentity.DnsLikeIdentity name = TlsIdentity.DnsLikeIdentity.newBuilder().setName(e.identity()).build();
      addr.setTlsIdentity(TlsIdentity.newBuilder().setDnsLikeIdentity(name).setServerName(name));
    }
    ProtocolHint.Builder hint = ProtocolHint.newBuilder();
    switch (e.hint()) {
      case H2 -> hint.setH2(ProtocolHint.H2.getDefaultInstance());
      case OPAQUE -> hint.setOpaque(ProtocolHint.Opaque.getDefaultInstance());
      case NONE -> { }
    }
    if (e.opaqueTransportPort() > 0) {
      hint.setOpaqueTransport(ProtocolHint.OpaqueTransport.newBuilder().setInboundPort(e.opaqueTransportPort()));
    }
    if (e.hint() != EndpointInfo.Hint.NONE || e.opaqueTransportPort() > 0) {
      addr.setProtocolHint(hint);
    }
    return addr.build();
  }
}
