package io.weft.operator.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reading injected manifests in tests: documents, a workload's pod template, containers and their environment. */
final class InjectedManifests {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private InjectedManifests() {}

  static List<JsonNode> documents(String yaml) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    try (var it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNext()) {
        JsonNode n = (JsonNode) it.next();
        if (n != null && !n.isNull()) {
          out.add(n);
        }
      }
    }
    return out;
  }

  static JsonNode template(JsonNode resource) {
    return switch (resource.path("kind").asText()) {
      case "Pod" -> resource;
      case "CronJob" -> resource.path("spec").path("jobTemplate").path("spec").path("template");
      default -> resource.path("spec").path("template");
    };
  }

  static JsonNode podSpec(JsonNode resource) {
    return template(resource).path("spec");
  }

  static JsonNode podMeta(JsonNode resource) {
    return template(resource).path("metadata");
  }

  static JsonNode container(JsonNode spec, String list, String name) {
    for (JsonNode c : spec.path(list)) {
      if (c.path("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no " + name + " in " + list + ": " + spec);
  }

  /** The names of a list's elements (containers, volumes), in order. */
  static List<String> names(JsonNode list) {
    List<String> names = new ArrayList<>();
    list.forEach(e -> names.add(e.path("name").asText()));
    return names;
  }

  static Map<String, String> env(JsonNode container) {
    Map<String, String> env = new java.util.LinkedHashMap<>();
    container.path("env").forEach(e -> {
      if (e.has("value")) {
        env.put(e.path("name").asText(), e.path("value").asText());
      }
    });
    return env;
  }

  /** Every variable's name, in order (those from the downward API too). */
  static List<String> envNames(JsonNode container) {
    List<String> out = new ArrayList<>();
    container.path("env").forEach(e -> out.add(e.path("name").asText()));
    return out;
  }

  /** The field a downward-API variable reads ({@code fieldRef.fieldPath}), or null. */
  static String fieldRef(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e.path("valueFrom").path("fieldRef").path("fieldPath").asText(null);
      }
    }
    return null;
  }
}
