package io.weft.k8s.decode;

import io.weft.k8s.model.ResourceMeta;
import io.weft.k8s.model.ServiceProfileResource;
import io.weft.k8s.model.ServiceProfileResource.RequestMatch;
import io.weft.k8s.model.ServiceProfileResource.ResponseClass;
import io.weft.k8s.model.ServiceProfileResource.ResponseMatch;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Decodes a ServiceProfile's spec, validating what the sp-validator webhook would. */
final class ServiceProfiles {
  private ServiceProfiles() {}

  static ServiceProfileResource decode(ResourceMeta meta, Node spec) throws ManifestException {
    List<ServiceProfileResource.Route> routes = new ArrayList<>();
    for (Node r : spec.get("routes").list()) {
      List<ResponseClass> classes = new ArrayList<>();
      for (Node c : r.get("responseClasses").list()) {
        classes.add(new ResponseClass(responseMatch(c.get("condition")), c.get("isFailure").bool(false)));
      }
      routes.add(new ServiceProfileResource.Route(r.get("name").requiredText(), requestMatch(r.get("condition")),
          classes, r.get("isRetryable").bool(false), r.get("timeout").duration(null)));
    }
    ServiceProfileResource.RetryBudget budget = null;
    Node b = spec.get("retryBudget");
    if (b.present()) {
      budget = new ServiceProfileResource.RetryBudget(b.get("retryRatio").number(0.2),
          b.get("minRetriesPerSecond").integer(10), b.get("ttl").duration(java.time.Duration.ofSeconds(10)));
    }
    List<ServiceProfileResource.WeightedDst> overrides = new ArrayList<>();
    for (Node d : spec.get("dstOverrides").list()) {
      Node weight = d.get("weight");
      long milli;
      try {
        milli = Quantities.milli(weight.text("1"));
      } catch (IllegalArgumentException e) {
        throw new ManifestException(weight.path(), e.getMessage());
      }
      if (milli < 0) {
        throw new ManifestException(weight.path(), "may not be negative");
      }
      overrides.add(new ServiceProfileResource.WeightedDst(d.get("authority").requiredText(), milli));
    }
    return new ServiceProfileResource(meta, routes, budget, overrides);
  }

  private static RequestMatch requestMatch(Node n) throws ManifestException {
    if (!n.present()) {
      throw new ManifestException(n.path(), "is required");
    }
    if (n.get("all").present()) {
      return new RequestMatch(requestMatches(n.get("all")), null, null, null, null);
    }
    if (n.get("any").present()) {
      return new RequestMatch(null, requestMatches(n.get("any")), null, null, null);
    }
    if (n.get("not").present()) {
      return new RequestMatch(null, null, requestMatch(n.get("not")), null, null);
    }
    String regex = n.get("pathRegex").text(null);
    if (regex != null) {
      try {
        Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw new ManifestException(n.get("pathRegex").path(), "invalid regular expression: " + e.getDescription());
      }
    }
    String method = n.get("method").text(null);
    if (regex == null && method == null) {
      throw new ManifestException(n.path(), "needs one of all, any, not, pathRegex, method");
    }
    if (regex != null && method != null) {
      // Linkerd reads a condition with both as "all of them".
      return new RequestMatch(List.of(new RequestMatch(null, null, null, regex, null),
          new RequestMatch(null, null, null, null, method)), null, null, null, null);
    }
    return new RequestMatch(null, null, null, regex, method);
  }

  private static List<RequestMatch> requestMatches(Node list) throws ManifestException {
    List<RequestMatch> out = new ArrayList<>();
    for (Node n : list.list()) {
      out.add(requestMatch(n));
    }
    return out;
  }

  private static ResponseMatch responseMatch(Node n) throws ManifestException {
    if (!n.present()) {
      throw new ManifestException(n.path(), "is required");
    }
    if (n.get("all").present()) {
      return new ResponseMatch(responseMatches(n.get("all")), null, null, 0, 0);
    }
    if (n.get("any").present()) {
      return new ResponseMatch(null, responseMatches(n.get("any")), null, 0, 0);
    }
    if (n.get("not").present()) {
      return new ResponseMatch(null, null, responseMatch(n.get("not")), 0, 0);
    }
    Node status = n.get("status");
    if (!status.present()) {
      throw new ManifestException(n.path(), "needs one of all, any, not, status");
    }
    int min = status.get("min").integer(0);
    int max = status.get("max").integer(0);
    if ((min != 0 && (min < 100 || min > 599)) || (max != 0 && (max < 100 || max > 599)) || (min != 0 && max != 0 && min > max)) {
      throw new ManifestException(status.path(), "status range " + min + "-" + max + " is not within 100-599 with min <= max");
    }
    return new ResponseMatch(null, null, null, min, max);
  }

  private static List<ResponseMatch> responseMatches(Node list) throws ManifestException {
    List<ResponseMatch> out = new ArrayList<>();
    for (Node n : list.list()) {
      out.add(responseMatch(n));
    }
    return out;
  }
}
