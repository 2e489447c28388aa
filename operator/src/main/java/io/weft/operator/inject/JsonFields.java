package io.weft.operator.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The fields of a pod the injector writes into, made when absent (or null); a value of another type
 * is refused, naming the field, rather than replaced or cast.
 */
public final class JsonFields {
  private JsonFields() {}

  static ObjectNode object(ObjectNode parent, String field) {
    return object(parent, field, "");
  }

  /** {@code parent}'s object {@code field}; {@code where}: the path of {@code parent} for the message. */
  public static ObjectNode object(ObjectNode parent, String field, String where) {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      return parent.putObject(field);
    }
    if (node instanceof ObjectNode o) {
      return o;
    }
    throw new IllegalArgumentException(where + field + " is not an object");
  }

  static ArrayNode array(ObjectNode parent, String field) {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      return parent.putArray(field);
    }
    if (node instanceof ArrayNode a) {
      return a;
    }
    throw new IllegalArgumentException(field + " is not a list");
  }
}
