package io.weft.k8s.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A JSON value together with its path, so every decoding error can say which field is wrong. */
record Node(JsonNode json, String path) {

  static Node root(JsonNode json) {
    return new Node(json, "");
  }

  Node get(String field) {
    JsonNode child = json == null ? null : json.get(field);
    return new Node(child == null ? MissingNode.getInstance() : child, path.isEmpty() ? field : path + "." + field);
  }

  boolean present() {
    return json != null && !json.isMissingNode() && !json.isNull();
  }

  String text(String fallback) throws ManifestException {
    if (!present()) {
      return fallback;
    }
    if (!json.isValueNode() || json.isBinary()) {
      throw new ManifestException(path, "expected a string, got " + json.getNodeType().name().toLowerCase());
    }
    return json.asText();
  }

  /**
   * An IP address written as Kubernetes writes one ({@code 10.0.0.7}, {@code fd00::7}), or
   * {@code fallback} when absent; anything else is refused here, so a view never meets it.
   */
  String ipAddress(String fallback) throws ManifestException {
    String value = text(fallback);
    if (value != null && !value.isEmpty() && !io.weft.protocol.net.TcpAddresses.isIpLiteral(value)) {
      throw new ManifestException(path, "'" + value + "' is not an IP address");
    }
    return value;
  }

  String requiredText() throws ManifestException {
    String value = text(null);
    if (value == null || value.isEmpty()) {
      throw new ManifestException(path, "is required");
    }
    return value;
  }

  int integer(int fallback) throws ManifestException {
    if (!present()) {
      return fallback;
    }
    if (json.isIntegralNumber() && json.canConvertToInt()) {
      return json.asInt();
    }
    if (json.isTextual() && json.asText().matches("-?\\d{1,9}")) {
      return Integer.parseInt(json.asText());
    }
    throw new ManifestException(path, "expected an integer, got '" + json.asText() + "'");
  }

  int port(int fallback) throws ManifestException {
    int port = integer(fallback);
    if (present() && (port < 1 || port > 65535)) {
      throw new ManifestException(path, "port " + port + " is outside 1-65535");
    }
    return port;
  }

  double number(double fallback) throws ManifestException {
    if (!present()) {
      return fallback;
    }
    if (json.isNumber()) {
      return json.asDouble();
    }
    try {
      return Double.parseDouble(json.asText());
    } catch (NumberFormatException e) {
      throw new ManifestException(path, "expected a number, got '" + json.asText() + "'");
    }
  }

  boolean bool(boolean fallback) throws ManifestException {
    if (!present()) {
      return fallback;
    }
    if (json.isBoolean()) {
      return json.asBoolean();
    }
    String t = json.asText();
    if (t.equals("true") || t.equals("false")) {
      return Boolean.parseBoolean(t);
    }
    throw new ManifestException(path, "expected true or false, got '" + t + "'");
  }

  /** A Go-style duration such as {@code 10s}, {@code 1m30s} or {@code 250ms}. */
  Duration duration(Duration fallback) throws ManifestException {
    if (!present()) {
      return fallback;
    }
    try {
      return GoDurations.parse(json.asText());
    } catch (IllegalArgumentException e) {
      throw new ManifestException(path, e.getMessage());
    }
  }

  List<Node> list() throws ManifestException {
    if (!present()) {
      return List.of();
    }
    if (!json.isArray()) {
      throw new ManifestException(path, "expected a list");
    }
    List<Node> out = new ArrayList<>(json.size());
    for (int i = 0; i < json.size(); i++) {
      out.add(new Node(json.get(i), path + "[" + i + "]"));
    }
    return out;
  }

  Map<String, String> stringMap() throws ManifestException {
    if (!present()) {
      return Map.of();
    }
    if (!json.isObject()) {
      throw new ManifestException(path, "expected a map of strings");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : json.properties()) {
      out.put(e.getKey(), get(e.getKey()).text(""));
    }
    return out;
  }

  Optional<Node> ifPresent() {
    return present() ? Optional.of(this) : Optional.empty();
  }
}
