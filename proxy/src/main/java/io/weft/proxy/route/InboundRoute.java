package io.weft.proxy.route;

import io.linkerd.proxy.inbound.Authz;
import io.linkerd.proxy.inbound.GrpcRoute;
import io.linkerd.proxy.inbound.HttpRoute;
import io.linkerd.proxy.meta.Metadata;
import io.weft.streams.http.Request;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A route of a port's inbound policy, compiled for the request path: the hostnames it answers for
 * (none: any), its rules (matches, and the filters the inbound proxy applies), and who may take it —
 * its own authorizations, then the port's server's, as Linkerd's proxy combines them. {@code group},
 * {@code kind} and {@code name} are its {@code route_*} metric labels. {@code A} is an authorization
 * as the policy compiles it.
 */
public record InboundRoute<A>(String group, String kind, String name, List<HostMatch> hosts, List<Rule> rules, List<A> authorizations) {
  public InboundRoute {
    hosts = List.copyOf(hosts);
    rules = List.copyOf(rules);
    authorizations = List.copyOf(authorizations);
  }

  /** A rule: the requests it takes and what its filters do to them. */
  public record Rule(List<RouteMatch> matches, RuleFilters filters) {}

  /** The route and rule a request takes, and the match that chose them (a redirect reads it). */
  public record Selected<A>(InboundRoute<A> route, Rule rule, RouteMatch match) {}

  /**
   * The route a request takes among {@code routes}, as the Gateway API orders them; empty when none
   * matches (Linkerd answers 404).
   */
  public static <A> Optional<Selected<A>> select(List<InboundRoute<A>> routes, Request request, RequestParts parts) {
    return RouteSelection.select(routes, InboundRoute::hosts, InboundRoute::rules, Rule::matches, request, parts)
        .map(c -> new Selected<>(c.route(), c.rule(), c.match()));
  }

  public static <A> InboundRoute<A> http(HttpRoute route, Function<Authz, A> authorization, List<A> server) {
    List<Rule> rules = new ArrayList<>();
    for (HttpRoute.Rule rule : route.getRulesList()) {
      List<RouteFilter> filters = new ArrayList<>();
      for (HttpRoute.Filter f : rule.getFiltersList()) {
        switch (f.getKindCase()) {
          case REQUEST_HEADER_MODIFIER -> filters.add(RouteFilter.HeaderModifier.of(false, f.getRequestHeaderModifier().getSet(),
              f.getRequestHeaderModifier().getAdd(), f.getRequestHeaderModifier().getRemoveList()));
          case REDIRECT -> filters.add(RouteFilter.Redirect.of(f.getRedirect()));
          case FAILURE_INJECTOR -> filters.add(RouteFilter.FailureInjector.of(f.getFailureInjector().getStatus(),
              f.getFailureInjector().getMessage(), f.getFailureInjector().hasRatio(), f.getFailureInjector().getRatio()));
          default -> { }
        }
      }
      List<RouteMatch> matches = rule.getMatchesList().stream().map(RouteMatch::of).toList();
      rules.add(new Rule(matches.isEmpty() ? List.of(RouteMatch.EVERYTHING) : matches, new RuleFilters(filters, false)));
    }
    return of(route.getMetadata(), route.getHostsList(), rules, route.getAuthorizationsList(), authorization, server);
  }

  public static <A> InboundRoute<A> grpc(GrpcRoute route, Function<Authz, A> authorization, List<A> server) {
    List<Rule> rules = new ArrayList<>();
    for (GrpcRoute.Rule rule : route.getRulesList()) {
      List<RouteFilter> filters = new ArrayList<>();
      for (GrpcRoute.Filter f : rule.getFiltersList()) {
        switch (f.getKindCase()) {
          case REQUEST_HEADER_MODIFIER -> filters.add(RouteFilter.HeaderModifier.of(false, f.getRequestHeaderModifier().getSet(),
              f.getRequestHeaderModifier().getAdd(), f.getRequestHeaderModifier().getRemoveList()));
          case FAILURE_INJECTOR -> filters.add(RouteFilter.FailureInjector.of(f.getFailureInjector().getCode(),
              f.getFailureInjector().getMessage(), f.getFailureInjector().hasRatio(), f.getFailureInjector().getRatio()));
          default -> { }
        }
      }
      List<RouteMatch> matches = rule.getMatchesList().stream().map(RouteMatch::of).toList();
      rules.add(new Rule(matches.isEmpty() ? List.of(RouteMatch.EVERYTHING) : matches, new RuleFilters(filters, true)));
    }
    return of(route.getMetadata(), route.getHostsList(), rules, route.getAuthorizationsList(), authorization, server);
  }

  /** Every request, admitted by the server's authorizations: what a port with no routes takes (Linkerd's {@code default}). */
  public static <A> InboundRoute<A> everything(List<A> server) {
    return new InboundRoute<>("", "default", "default", List.of(),
        List.of(new Rule(List.of(RouteMatch.EVERYTHING), new RuleFilters(List.of(), false))), server);
  }

  private static <A> InboundRoute<A> of(Metadata metadata, List<io.linkerd.proxy.http_route.HostMatch> hosts, List<Rule> rules,
                                        List<Authz> own, Function<Authz, A> authorization, List<A> server) {
    List<A> authorizations = new ArrayList<>(own.stream().map(authorization).toList());
    authorizations.addAll(server);
    boolean resource = metadata.hasResource();
    return new InboundRoute<>(resource ? metadata.getResource().getGroup() : "", resource ? metadata.getResource().getKind() : "default",
        resource ? metadata.getResource().getName() : metadata.getDefault(), hosts.stream().map(HostMatch::of).toList(), rules,
        authorizations);
  }
}
