package io.weft.protocol.policy;

import java.net.InetAddress;
import java.util.Optional;

/** Who is connecting, as authorization sees it: the address and, over mesh TLS, the proven identity. */
public record Client(InetAddress address, Optional<String> identity) {}
