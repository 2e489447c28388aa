package io.weft.proxy;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's environment as the kubelet hands it over: downward-API field references filled in
 * from the pod's fields, and each value's {@code $(VAR)} references expanded from the variables
 * before it (a reference to none stays as written, as Kubernetes leaves it).
 */
public final class KubeletEnvironment {
  private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

  private KubeletEnvironment() {}

  /** {@code podFields}: what the pod's field paths hold ({@code metadata.name}, {@code status.podIPs}, ...). */
  public static Map<String, String> of(JsonNode container, Map<String, String> podFields) {
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode e : container.path("env")) {
      String name = e.path("name").asText();
      String value;
      if (e.has("value")) {
        value = e.path("value").asText();
      } else {
        String field = e.path("valueFrom").path("fieldRef").path("fieldPath").asText();
        value = podFields.get(field);
        if (value == null) {
          throw new AssertionError(name + " reads the pod's " + field + ", which the test does not give");
        }
      }
      Matcher m = REFERENCE.matcher(value);
      StringBuilder expanded = new StringBuilder();
      while (m.find()) {
        m.appendReplacement(expanded, Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())));
      }
      m.appendTail(expanded);
      env.put(name, expanded.toString());
    }
    return env;
  }
}
