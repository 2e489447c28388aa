package io.weft.k8s.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.weft.k8s.decode.ManifestDecoder;
import io.weft.k8s.decode.ManifestException;
import io.weft.k8s.decode.Workload;
import io.weft.k8s.model.ResourceKind;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The documents of a directory of manifests that last loaded cleanly. A broken document keeps the
 * last good version of its object; a file that no longer parses keeps all of its last good objects.
 */
final class ManifestSet {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** file -> (kind/namespace/name -> document) */
  private final Map<Path, Map<String, JsonNode>> goodDocuments = new LinkedHashMap<>();
  private final Map<Path, List<ManifestProblem>> problems = new LinkedHashMap<>();

  /** Re-reads one file's text; returns the problems found in it (empty when it loaded cleanly). */
  List<ManifestProblem> load(Path file, String text) {
    Map<String, JsonNode> previous = goodDocuments.getOrDefault(file, Map.of());
    List<ManifestProblem> found = new ArrayList<>();
    List<JsonNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(text)) {
      while (it.hasNextValue()) {
        documents.add(it.nextValue());
      }
    } catch (JsonProcessingException e) {
      found.add(new ManifestProblem(file, documents.size() + 1, "not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr())));
      problems.put(file, found);
      return found; // keep every object the file had
    } catch (IOException e) {
      found.add(new ManifestProblem(file, 0, "cannot read: " + e.getMessage()));
      problems.put(file, found);
      return found;
    }
    Map<String, JsonNode> loaded = new LinkedHashMap<>();
    for (int i = 0; i < documents.size(); i++) {
      JsonNode doc = documents.get(i);
      if (doc == null || doc.isNull() || doc.isMissingNode() || (doc.isObject() && doc.isEmpty())) {
        continue; // an empty document between two "---"
      }
      String identity = null;
      try {
        identity = identify(doc);
        validate(doc);
        loaded.put(identity, doc);
      } catch (ManifestException e) {
        found.add(new ManifestProblem(file, i + 1, describe(doc) + e.getMessage()));
        if (identity != null && previous.containsKey(identity)) {
          loaded.put(identity, previous.get(identity));
        }
      }
    }
    goodDocuments.put(file, loaded);
    if (found.isEmpty()) {
      problems.remove(file);
    } else {
      problems.put(file, found);
    }
    return found;
  }

  void remove(Path file) {
    goodDocuments.remove(file);
    problems.remove(file);
  }

  List<JsonNode> documents() {
    List<JsonNode> all = new ArrayList<>();
    goodDocuments.values().forEach(m -> all.addAll(m.values()));
    return all;
  }

  List<ManifestProblem> problems() {
    List<ManifestProblem> all = new ArrayList<>();
    problems.values().forEach(all::addAll);
    return all;
  }

  private static String identify(JsonNode doc) throws ManifestException {
    if (!doc.isObject()) {
      throw new ManifestException("(document)", "expected a Kubernetes object, got " + doc.getNodeType().name().toLowerCase());
    }
    JsonNode kind = doc.get("kind");
    JsonNode name = doc.path("metadata").get("name");
    if (kind == null || !kind.isTextual()) {
      throw new ManifestException("kind", "is required");
    }
    if (name == null || !name.isTextual() || name.asText().isEmpty()) {
      throw new ManifestException("metadata.name", "is required");
    }
    return kind.asText() + "/" + doc.path("metadata").path("namespace").asText("default") + "/" + name.asText();
  }

  /** Decodes the document the way the cluster will, so errors surface here with their file. */
  private static void validate(JsonNode doc) throws ManifestException {
    String kind = doc.get("kind").asText();
    if (Workload.KINDS.contains(kind)) {
      Workload.decode(doc);
      return;
    }
    Optional<ResourceKind> known = ManifestDecoder.kindOf(doc);
    if (known.isPresent()) {
      ManifestDecoder.decode(known.get(), doc);
    }
    // Other kinds (ConfigMaps, RBAC, ...) are accepted and ignored, as kubectl apply would keep them.
  }

  private static String describe(JsonNode doc) {
    String kind = doc.path("kind").asText("");
    String name = doc.path("metadata").path("name").asText("");
    return kind.isEmpty() ? "" : kind + " " + (name.isEmpty() ? "" : name) + ": ";
  }
}
