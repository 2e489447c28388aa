package io.weft.actors.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;

import java.math.BigDecimal;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A control-plane answer as protobuf's canonical JSON (what {@code linkerd diagnostics} prints):
 * fields by their JSON names, set fields only, enums by name, 64-bit integers and bytes as strings,
 * durations as {@code "1.5s"}.
 */
public final class ProtoJson {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Two-space indents and {@code "name": value}, as protobuf's own JSON printer writes. */
  private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
      .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int NANOS_SCALE = 9;

  private ProtoJson() {}

  /** {@code message} as indented JSON. */
  public static String print(Message message) {
    try {
      return JSON.writer(PRETTY).writeValueAsString(object(message));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of JSON nodes always prints", e);
    }
  }

  /** {@code message} as a JSON tree, to embed in a larger document. */
  public static JsonNode tree(Message message) {
    return object(message);
  }

  private static JsonNode object(Message message) {
    if (message instanceof Duration d) {
      return NODES.textNode(BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNanos(), NANOS_SCALE))
          .stripTrailingZeros().toPlainString() + "s");
    }
    ObjectNode out = NODES.objectNode();
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      FieldDescriptor descriptor = field.getKey();
      if (descriptor.isMapField()) {
        ObjectNode map = out.putObject(descriptor.getJsonName());
        for (Object entry : (List<?>) field.getValue()) {
          MapEntry<?, ?> e = (MapEntry<?, ?>) entry;
          map.set(String.valueOf(e.getKey()), value(descriptor.getMessageType().findFieldByName("value"), e.getValue()));
        }
      } else if (descriptor.isRepeated()) {
        ArrayNode array = out.putArray(descriptor.getJsonName());
        ((List<?>) field.getValue()).forEach(v -> array.add(value(descriptor, v)));
      } else {
        out.set(descriptor.getJsonName(), value(descriptor, field.getValue()));
      }
    }
    return out;
  }

  private static JsonNode value(FieldDescriptor descriptor, Object value) {
    return switch (descriptor.getJavaType()) {
      case MESSAGE -> object((Message) value);
      case ENUM -> NODES.textNode(((EnumValueDescriptor) value).getName());
      case BYTE_STRING -> NODES.textNode(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
      case LONG -> NODES.textNode(descriptor.getType() == FieldDescriptor.Type.UINT64 || descriptor.getType() == FieldDescriptor.Type.FIXED64
          ? Long.toUnsignedString((Long) value) : value.toString());
      case INT -> descriptor.getType() == FieldDescriptor.Type.UINT32 || descriptor.getType() == FieldDescriptor.Type.FIXED32
          ? NODES.numberNode(Integer.toUnsignedLong((Integer) value)) : NODES.numberNode((Integer) value);
      case FLOAT -> NODES.numberNode((Float) value);
      case DOUBLE -> NODES.numberNode((Double) value);
      case BOOLEAN -> NODES.booleanNode((Boolean) value);
      case STRING -> NODES.textNode((String) value);
    };
  }
}
