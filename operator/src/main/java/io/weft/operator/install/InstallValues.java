package io.weft.operator.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.weft.k8s.decode.YamlDocuments;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The values an install is rendered with: the documented defaults ({@code values.yaml}), then
 * {@code values-ha.yaml} for {@code --ha}, then {@code --values} files, then {@code --set}. Only
 * keys the defaults have are accepted, with the defaults' types, except inside maps whose default
 * is empty ({@code podLabels}, …), which take any keys. Immutable.
 */
public final class InstallValues {
  /** Maps of strings that take any key. */
  private static final java.util.Set<String> FREE_FORM = java.util.Set.of("podLabels", "podAnnotations", "nodeSelector");

  private final ObjectNode tree;

  private InstallValues(ObjectNode tree) {
    this.tree = tree;
  }

  /** Weft's defaults. */
  public static InstallValues defaults() {
    return new InstallValues(document("values.yaml"));
  }

  /** The defaults as documented: values.yaml with its comments. */
  public static String documented() {
    return InstallManifests.resource("values.yaml");
  }

  /** The HA values over these. */
  public InstallValues withHa() {
    return overlay(document("values-ha.yaml"), "values-ha.yaml");
  }

  /** The values of a YAML document ({@code source} names it in errors) over these. */
  public InstallValues withValues(String yaml, String source) {
    List<ObjectNode> documents;
    try {
      documents = YamlDocuments.read(yaml);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
    if (documents.size() > 1) {
      throw new IllegalArgumentException(source + ": values are one YAML document, not " + documents.size());
    }
    return documents.isEmpty() ? this : overlay(documents.getFirst(), source);
  }

  /**
   * {@code key=value} over these, the key dotted ({@code proxy.image.name}; a dot inside a key is
   * written {@code \.}), the value read as the type the key has.
   */
  public InstallValues withSet(String assignment) {
    int eq = assignment.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("--set " + assignment + ": expected key=value");
    }
    List<String> path = splitKey(assignment.substring(0, eq));
    String value = assignment.substring(eq + 1);
    ObjectNode overlay = YamlDocuments.object();
    ObjectNode at = overlay;
    for (int i = 0; i < path.size() - 1; i++) {
      at = at.putObject(path.get(i));
    }
    at.put(path.getLast(), value);
    return overlay(overlay, "--set " + assignment);
  }

  /**
   * The values the control plane in {@code namespace} was installed with (its {@code linkerd-config}).
   * Throws {@link IllegalArgumentException} when there is none or they do not read.
   */
  public static InstallValues installed(io.fabric8.kubernetes.client.KubernetesClient client, String namespace) {
    var config = client.configMaps().inNamespace(namespace).withName(InstallManifests.CONFIG_MAP).get();
    if (config == null || config.getData() == null || !config.getData().containsKey("values")) {
      throw new IllegalArgumentException("no control plane in namespace " + namespace + " (its ConfigMap "
          + InstallManifests.CONFIG_MAP + " with the install's values is missing)");
    }
    return recorded(config.getData().get("values"));
  }

  /** The values of an earlier install (the {@code linkerd-config} ConfigMap's {@code values}) over the defaults. */
  public static InstallValues recorded(String yaml) {
    return defaults().withValues(yaml, "the values recorded in linkerd-config");
  }

  /** The values as YAML, for {@code linkerd-config}. */
  public String toYaml() {
    return YamlDocuments.write(List.of(tree));
  }

  public String text(String path) {
    return node(path).asText();
  }

  public int number(String path) {
    return node(path).asInt();
  }

  public boolean flag(String path) {
    return node(path).asBoolean();
  }

  /** The value at a dotted path (a copy); every path asked for is one the defaults have. */
  public JsonNode node(String path) {
    JsonNode at = tree;
    for (String key : splitKey(path)) {
      at = at.path(key);
    }
    if (at.isMissingNode()) {
      throw new IllegalStateException("no install value " + path);
    }
    return at.deepCopy();
  }

  /** A string map value ({@code podLabels}, {@code nodeSelector}, …). */
  public Map<String, String> map(String path) {
    Map<String, String> map = new java.util.LinkedHashMap<>();
    node(path).properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
    return map;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InstallValues other && other.tree.equals(tree);
  }

  @Override
  public int hashCode() {
    return tree.hashCode();
  }

  private InstallValues overlay(ObjectNode overlay, String source) {
    ObjectNode merged = tree.deepCopy();
    merge(merged, overlay, "", source);
    return new InstallValues(merged);
  }

  private static void merge(ObjectNode into, ObjectNode overlay, String prefix, String source) {
    for (Iterator<Map.Entry<String, JsonNode>> it = overlay.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = prefix + e.getKey();
      JsonNode current = into.get(e.getKey());
      JsonNode given = e.getValue();
      if (FREE_FORM.contains(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1))) {
        // Any key; null removes one (as in Helm).
        if (given.isNull()) {
          into.remove(e.getKey());
        } else if (given.isValueNode()) {
          into.put(e.getKey(), given.asText());
        } else {
          throw new IllegalArgumentException(source + ": " + key + " must be a string");
        }
      } else if (current == null) {
        throw new IllegalArgumentException(source + ": there is no install value " + key);
      } else if (current.isObject()) {
        if (!given.isObject()) {
          throw new IllegalArgumentException(source + ": " + key + " is a map; give its keys");
        }
        merge((ObjectNode) current, (ObjectNode) given, key + ".", source);
      } else if (current.isArray()) {
        if (!given.isArray()) {
          throw new IllegalArgumentException(source + ": " + key + " is a list; give it in a --values file");
        }
        into.set(e.getKey(), given);
      } else {
        into.set(e.getKey(), scalar(current, given, key, source));
      }
    }
  }

  /** {@code given} as the type of {@code current}; --set gives every value as text. */
  private static JsonNode scalar(JsonNode current, JsonNode given, String key, String source) {
    if (!given.isValueNode() || given.isNull()) {
      throw new IllegalArgumentException(source + ": " + key + " must be a single value");
    }
    String text = given.asText();
    if (current.isBoolean()) {
      if (given.isBoolean() || text.equals("true") || text.equals("false")) {
        return com.fasterxml.jackson.databind.node.BooleanNode.valueOf(Boolean.parseBoolean(text));
      }
      throw new IllegalArgumentException(source + ": " + key + " is true or false, not '" + text + "'");
    }
    if (current.isIntegralNumber()) {
      try {
        return com.fasterxml.jackson.databind.node.IntNode.valueOf(Integer.parseInt(text.trim()));
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException(source + ": " + key + " is a whole number, not '" + text + "'");
      }
    }
    return TextNode.valueOf(text);
  }

  private static List<String> splitKey(String key) {
    List<String> parts = new ArrayList<>();
    StringBuilder part = new StringBuilder();
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '\\' && i + 1 < key.length() && key.charAt(i + 1) == '.') {
        part.append('.');
        i++;
      } else if (c == '.') {
        parts.add(part.toString());
        part.setLength(0);
      } else {
        part.append(c);
      }
    }
    parts.add(part.toString());
    if (parts.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("'" + key + "' is not a value key (empty part)");
    }
    return parts;
  }

  private static ObjectNode document(String name) {
    return YamlDocuments.read(InstallManifests.resource(name)).getFirst();
  }
}
