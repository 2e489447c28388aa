package io.weft.proxy.http;

import java.net.InetSocketAddress;

/** Where a request's connection came from (the application, on the outbound side): what tap reports as its source. */
public record ClientAddress(InetSocketAddress address) {}
