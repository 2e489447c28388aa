package io.weft.demo.emojivoto;

import java.net.InetSocketAddress;

/**
 * The front end: {@code GET /api/list} asks emoji for the list, {@code GET /api/vote?choice=:x:}
 * checks the emoji exists and records the vote with voting. A failure below is a failure here.
 */
public final class WebService extends HttpWorkload {
  public WebService(InetSocketAddress listen, InetSocketAddress outboundProxy, String emoji, String voting) {
    super(listen, outboundProxy);
    route("/api/list", exchange -> {
      Response list = call("GET", emoji, "/list");
      reply(exchange, list.status() == 200 ? 200 : 502, list.body());
    });
    route("/api/vote", exchange -> {
      String choice = query(exchange, "choice");
      String encoded = java.net.URLEncoder.encode(choice, java.nio.charset.StandardCharsets.UTF_8);
      Response found = call("GET", emoji, "/find?shortcode=" + encoded);
      if (found.status() != 200) {
        reply(exchange, found.status() == 404 ? 400 : 502, found.body());
        return;
      }
      Response voted = call("POST", voting, "/vote?choice=" + encoded);
      reply(exchange, voted.status() == 200 ? 200 : 500, voted.body());
    });
  }
}
