package io.weft.viz.query;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One row of {@code viz routes}: a route of a Service (a ServiceProfile route, {@code [DEFAULT]}
 * for requests none matched, or an HTTPRoute/GRPCRoute rule's route), as its callers saw it:
 * effective (what callers got, retries hidden) and actual (each attempt) success and rate.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RouteRow(String route, String service, String namespace, Long requests, Double effectiveSuccess,
                       Double effectiveRps, Double actualSuccess, Double actualRps, Double latencyMsP50,
                       Double latencyMsP95, Double latencyMsP99) {
  public static final String DEFAULT = "[DEFAULT]";
}
