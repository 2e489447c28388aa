package io.weft.viz.query;

/**
 * One caller → callee pair of Linkerd's {@code viz edges}: {@code secured} when every request
 * between them in the window travelled over mesh TLS; the identities each side proved.
 */
public record Edge(String source, String destination, String sourceNamespace, String destinationNamespace, boolean secured,
                   String clientId, String serverId) {}
