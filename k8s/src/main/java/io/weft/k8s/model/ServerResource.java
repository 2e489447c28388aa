package io.weft.k8s.model;

/** A Server (policy.linkerd.io): a port on the pods its selector matches. */
public record ServerResource(
    ResourceMeta meta, LabelSelector podSelector, int portNumber, String portName, String proxyProtocol)
    implements KubeResource {

  public ServerResource {
    podSelector = podSelector == null ? LabelSelector.EVERYTHING : podSelector;
    proxyProtocol = proxyProtocol == null || proxyProtocol.isEmpty() ? "unknown" : proxyProtocol;
  }

  @Override public ResourceKind resourceKind() { return ResourceKind.SERVER; }
  @Override public ServerResource withResourceVersion(String rv) {
    return new ServerResource(meta.withResourceVersion(rv), podSelector, portNumber, portName, proxyProtocol);
  }
}
