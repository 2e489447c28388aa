package io.weft.proxy.route;

import io.linkerd.proxy.destination.DestinationProfile;
import io.linkerd.proxy.destination.RequestMatch;
import io.linkerd.proxy.destination.ResponseMatch;
import io.linkerd.proxy.destination.Route;
import io.linkerd.proxy.http_types.HttpMethod;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns a {@code GetProfile} answer into the {@link Profile} the request path reads: matches become
 * predicates once, here, rather than being interpreted per request. A route this proxy cannot use
 * (a path pattern Java cannot compile, a match with nothing in it) is left out with a warning
 * naming it, and the rest of the profile still applies.
 */
public final class ProfileCompiler {
  private static final Logger log = LoggerFactory.getLogger(ProfileCompiler.class);
  private static final String ROUTE_LABEL = "route";

  private ProfileCompiler() {}

  public static Profile compile(DestinationProfile answer) {
    List<ProfileRoute> routes = new ArrayList<>();
    for (Route route : answer.getRoutesList()) {
      String name = route.getMetricsLabelsOrDefault(ROUTE_LABEL, "");
      try {
        routes.add(new ProfileRoute(name, request(route.getCondition()), classes(route), route.getIsRetryable(),
            route.hasTimeout() && positive(route.getTimeout()) ? Optional.of(duration(route.getTimeout())) : Optional.empty()));
      } catch (IllegalArgumentException e) {
        log.warn("profile {}: route \"{}\" is left out: {}", answer.getFullyQualifiedName(), name, e.getMessage());
      }
    }
    Profile.Budget budget = Profile.Budget.DEFAULT;
    if (answer.hasRetryBudget() && answer.getRetryBudget().hasTtl() && positive(answer.getRetryBudget().getTtl())) {
      var b = answer.getRetryBudget();
      budget = new Profile.Budget(b.getRetryRatio(), b.getMinRetriesPerSecond(), duration(b.getTtl()));
    }
    List<Profile.Split> splits = answer.getDstOverridesList().stream()
        .filter(d -> !d.getAuthority().isEmpty() && d.getWeight() > 0)
        .map(d -> new Profile.Split(d.getAuthority(), d.getWeight()))
        .toList();
    return new Profile(answer.hasProfileRef(), List.copyOf(routes), budget, splits);
  }

  private static ResponseClasses classes(Route route) {
    List<ResponseClasses.ResponseClass> classes = route.getResponseClassesList().stream()
        .map(c -> new ResponseClasses.ResponseClass(response(c.getCondition()), c.getIsFailure()))
        .toList();
    return classes.isEmpty() ? ResponseClasses.DEFAULT : new ResponseClasses(classes);
  }

  static Predicate<Request> request(RequestMatch match) {
    return switch (match.getMatchCase()) {
      case ALL -> all(match.getAll().getMatchesList().stream().map(ProfileCompiler::request).toList());
      case ANY -> any(match.getAny().getMatchesList().stream().map(ProfileCompiler::request).toList());
      case NOT -> request(match.getNot()).negate();
      case PATH -> path(match.getPath().getRegex());
      case METHOD -> method(match.getMethod());
      case MATCH_NOT_SET -> throw new IllegalArgumentException("a request condition with nothing in it");
    };
  }

  static Predicate<Response> response(ResponseMatch match) {
    return switch (match.getMatchCase()) {
      case ALL -> all(match.getAll().getMatchesList().stream().map(ProfileCompiler::response).toList());
      case ANY -> any(match.getAny().getMatchesList().stream().map(ProfileCompiler::response).toList());
      case NOT -> response(match.getNot()).negate();
      case STATUS -> {
        int min = match.getStatus().getMin();
        int max = match.getStatus().getMax();
        yield response -> response.status() >= min && response.status() <= max;
      }
      case MATCH_NOT_SET -> throw new IllegalArgumentException("a response condition with nothing in it");
    };
  }

  /** The whole path (not the query) must match, as Linkerd anchors the pattern. */
  private static Predicate<Request> path(String regex) {
    Pattern pattern;
    try {
      pattern = Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("pathRegex " + regex + " does not compile: " + e.getDescription(), e);
    }
    return request -> pattern.matcher(request.path()).matches();
  }

  private static Predicate<Request> method(HttpMethod method) {
    String name = switch (method.getTypeCase()) {
      case REGISTERED -> method.getRegistered().name();
      case UNREGISTERED -> method.getUnregistered();
      case TYPE_NOT_SET -> throw new IllegalArgumentException("a method match without a method");
    };
    return request -> request.method().equals(name);
  }

  private static <T> Predicate<T> all(List<Predicate<T>> parts) {
    return value -> {
      for (Predicate<T> p : parts) {
        if (!p.test(value)) {
          return false;
        }
      }
      return true;
    };
  }

  private static <T> Predicate<T> any(List<Predicate<T>> parts) {
    return value -> {
      for (Predicate<T> p : parts) {
        if (p.test(value)) {
          return true;
        }
      }
      return false;
    };
  }

  private static boolean positive(com.google.protobuf.Duration d) {
    return d.getSeconds() > 0 || (d.getSeconds() == 0 && d.getNanos() > 0);
  }

  private static Duration duration(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }
}
