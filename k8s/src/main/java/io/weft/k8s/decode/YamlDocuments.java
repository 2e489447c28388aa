package io.weft.k8s.decode;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Kubernetes objects as multi-document YAML (or JSON), read and written the way the CLI's
 * manifest output needs: numbers-as-strings stay quoted, since Kubernetes wants env values and
 * args as strings.
 */
public final class YamlDocuments {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR));

  private YamlDocuments() {}

  /**
   * The objects in {@code text}, empty documents skipped. Throws {@link IllegalArgumentException}
   * when it is not YAML or JSON, or a document is not an object.
   */
  public static List<ObjectNode> read(String text) {
    List<ObjectNode> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> documents = YAML.readerFor(JsonNode.class).with(JsonParser.Feature.ALLOW_COMMENTS)
        .readValues(text)) {
      while (documents.hasNextValue()) {
        JsonNode document = documents.nextValue();
        if (document == null || document.isNull() || document.isMissingNode()) {
          continue;
        }
        if (!(document instanceof ObjectNode object)) {
          throw new IllegalArgumentException("a document is not a Kubernetes object: " + document);
        }
        objects.add(object);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("the input is not YAML or JSON: " + e.getMessage(), e);
    }
    return objects;
  }

  /** The objects as YAML documents separated by {@code ---}. */
  public static String write(List<? extends JsonNode> objects) {
    StringBuilder out = new StringBuilder();
    for (JsonNode object : objects) {
      if (!out.isEmpty()) {
        out.append("---\n");
      }
      try {
        out.append(YAML.writeValueAsString(object));
      } catch (IOException e) {
        throw new UncheckedIOException("writing to memory does not fail", e);
      }
    }
    return out.toString();
  }

  /** An empty object to build a document in. */
  public static ObjectNode object() {
    return YAML.createObjectNode();
  }
}
