package io.weft.proxy.admin;

import java.util.Map;

/**
 * The little JSON a proxy writes (the admin server's one answer, a map of strings; log events as
 * JSON) written by hand: a JSON library would be hundreds of classes in every sidecar for it.
 */
final class JsonText {
  private JsonText() {}

  /** {@code fields} as a JSON object, one field per line, in the map's order. */
  static String object(Map<String, String> fields) {
    StringBuilder json = new StringBuilder("{");
    String separator = "\n";
    for (Map.Entry<String, String> field : fields.entrySet()) {
      json.append(separator).append("  ");
      string(json, field.getKey()).append(" : ");
      string(json, field.getValue());
      separator = ",\n";
    }
    return json.append(fields.isEmpty() ? "}" : "\n}").toString();
  }

  /** {@code value} as a JSON string, quoted and escaped. */
  static StringBuilder string(StringBuilder json, String value) {
    json.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> json.append("\\\"");
        case '\\' -> json.append("\\\\");
        case '\n' -> json.append("\\n");
        case '\r' -> json.append("\\r");
        case '\t' -> json.append("\\t");
        default -> {
          if (c < 0x20) {
            json.append(String.format("\\u%04x", (int) c));
          } else {
            json.append(c);
          }
        }
      }
    }
    return json.append('"');
  }
}
