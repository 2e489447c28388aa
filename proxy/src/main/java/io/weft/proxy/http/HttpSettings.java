package io.weft.proxy.http;

import com.typesafe.config.Config;
import io.weft.streams.http1.Http1Limits;
import io.weft.streams.http1.Http1Pool;

import java.time.Duration;
import java.util.Optional;

/** The proxy's HTTP settings beyond Linkerd's environment ({@code weft.proxy.http} in reference.conf). */
public record HttpSettings(Http1Pool.Settings pool, boolean upgradeHttp1, long maxRetryBodyBytes) {
  public static HttpSettings from(Config config) {
    Config http = config.getConfig("weft.proxy.http");
    Optional<Duration> lifetime = http.getString("connection-lifetime").equals("infinite") ? Optional.empty()
        : Optional.of(http.getDuration("connection-lifetime"));
    return new HttpSettings(new Http1Pool.Settings(new Http1Limits((int) http.getBytes("http1.max-head-size").longValue(),
        http.getInt("http1.max-header-fields")), http.getDuration("http1.idle-timeout"), lifetime),
        http.getBoolean("mesh.upgrade-http1"), http.getBytes("retry.max-request-bytes"));
  }

  public Http1Limits limits() {
    return pool.limits();
  }

  /** Client settings for one direction: its connect timeout and how many requests may wait on one HTTP/2 connection. */
  public HttpClients.Settings clients(io.weft.proxy.tcp.Dial dial, int http2QueueSize) {
    return new HttpClients.Settings(pool, dial, http2QueueSize, upgradeHttp1);
  }
}
