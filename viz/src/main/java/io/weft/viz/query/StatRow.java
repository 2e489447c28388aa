package io.weft.viz.query;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One row of {@code viz stat}, with Linkerd's {@code -o json} fields ({@code success} a fraction,
 * latencies in milliseconds) and the window's response count; a field without data is absent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatRow(String namespace, String kind, String name, String meshed, Long requests, Double success, Double rps,
                      Double latencyMsP50, Double latencyMsP95, Double latencyMsP99, Long tcpOpenConnections,
                      Double readBytesPerSecond, Double writeBytesPerSecond) {}
