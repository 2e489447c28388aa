package io.weft.proxy.tap;

import io.weft.streams.http.Request;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * What a tap sees of one request where the proxy taps it: the request, the connection's two ends,
 * and the labels of its destination and route (Linkerd's {@code Inspect}).
 */
record TappedRequest(Request request, InetSocketAddress source, InetSocketAddress destination,
                     Map<String, String> destinationLabels, Map<String, String> routeLabels) {}
