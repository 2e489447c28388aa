package io.weft.actors.state;

/** Names a namespaced object (a Service, an EndpointSlice, a Pod); {@code namespace/name} is its entity id. */
public record ObjectRef(String namespace, String name) {
  public String entityId() {
    return namespace + "/" + name;
  }

  public static ObjectRef ofEntityId(String entityId) {
    String[] parts = entityId.split("/", 2);
    return new ObjectRef(parts[0], parts[1]);
  }
}
