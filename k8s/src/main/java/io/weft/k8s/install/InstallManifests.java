package io.weft.k8s.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What {@code weft install} renders. So far: the CRDs ({@code --crds}). */
public final class InstallManifests {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));
  private static final List<String> CRD_FILES = List.of("crds/policy.yaml", "crds/serviceprofile.yaml",
      "crds/routes-and-workloads.yaml");
  /** Older versions Linkerd still serves, with the storage version's schema; {@code true}: deprecated. */
  private static final Map<String, Map<String, Boolean>> OLDER_VERSIONS = Map.of(
      "servers.policy.linkerd.io", Map.of("v1beta2", false, "v1beta1", true),
      "serverauthorizations.policy.linkerd.io", Map.of(),
      "serviceprofiles.linkerd.io", Map.of("v1alpha1", false),
      "httproutes.policy.linkerd.io", Map.of("v1beta2", false, "v1beta1", false, "v1alpha1", true),
      "links.multicluster.linkerd.io", Map.of("v1alpha2", false, "v1alpha1", false));

  private InstallManifests() {}

  /** Every CRD, as objects. */
  public static List<ObjectNode> crdObjects() {
    List<ObjectNode> crds = new ArrayList<>();
    for (String file : CRD_FILES) {
      try (InputStream in = InstallManifests.class.getResourceAsStream(file);
           MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).readValues(in)) {
        while (documents.hasNextValue()) {
          ObjectNode crd = (ObjectNode) documents.nextValue();
          addOlderVersions(crd);
          crds.add(crd);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("the CRD resource " + file + " is unreadable", e);
      }
    }
    return crds;
  }

  /** {@code weft install --crds}: every CRD, multi-document YAML. */
  public static String crds() {
    StringBuilder out = new StringBuilder();
    for (ObjectNode crd : crdObjects()) {
      try {
        out.append("---\n").append(YAML.writeValueAsString(crd));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out.toString();
  }

  private static void addOlderVersions(ObjectNode crd) {
    ArrayNode versions = (ArrayNode) crd.path("spec").path("versions");
    JsonNode storage = versions.get(0);
    OLDER_VERSIONS.getOrDefault(crd.path("metadata").path("name").asText(), Map.of()).entrySet().stream()
        .sorted(Map.Entry.<String, Boolean>comparingByKey().reversed())
        .forEach(v -> {
          ObjectNode older = storage.deepCopy();
          older.put("name", v.getKey()).put("storage", false);
          if (v.getValue()) {
            older.put("deprecated", true);
          }
          versions.add(older);
        });
  }
}
