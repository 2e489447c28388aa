package io.weft.proxy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The proxy program hands no work to the JDK's common pool: a task there wakes a thread the proxy
 * does not size (javadsl futures' Java views run even their plain callbacks there). Its control-plane
 * calls are where that crept in, so the program is started against a destination service that
 * refuses, asked to route a request (a discovery call, refused), and its stderr is read for the
 * common pool's thread factory saying it started a thread.
 */
class ProxyMainCommonPoolTest {
  private static final Pattern OUTBOUND = Pattern.compile("outbound \\[/127\\.0\\.0\\.1:(\\d+)");
  private Process proxy;

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.destroyForcibly();
    }
  }

  @Test
  void controlPlaneCallsStartNoCommonPoolThread() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@" + Path.of("src/main/jvm/weft-proxy.options").toAbsolutePath(), "-Xmx128m",
        "-Djava.util.concurrent.ForkJoinPool.common.threadFactory=" + CommonPoolAlarm.class.getName(),
        "-cp", System.getProperty("java.class.path"), ProxyMain.class.getName());
    builder.environment().putAll(Map.of(
        "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_CONTROL_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_DESTINATION_SVC_ADDR", "127.0.0.1:1",
        "LINKERD2_PROXY_LOG", "warn,io.weft.proxy.ProxyRuntime=info"));
    proxy = builder.start();
    ConcurrentLinkedQueue<String> stderr = new ConcurrentLinkedQueue<>();
    Process started = proxy;
    Thread.ofVirtual().start(() -> {
      try (var lines = new BufferedReader(new InputStreamReader(started.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          stderr.add(line);
        }
      } catch (IOException e) {
        stderr.add("(output ended: " + e + ")");
      }
    });
    await().atMost(Duration.ofSeconds(60)).until(() -> find(stderr, "proxy ready").isPresent() || !started.isAlive());
    assertThat(started.isAlive()).as("the proxy runs; it said:%n%s", String.join("\n", stderr)).isTrue();
    String ready = find(stderr, "proxy ready").orElseThrow();
    Matcher outbound = OUTBOUND.matcher(ready);
    assertThat(outbound.find()).as("the outbound port in: %s", ready).isTrue();

    // A request for a Service: the proxy asks the destination service (which refuses) and answers with an error.
    String answer = RawHttp.get(Integer.parseInt(outbound.group(1)), "web.shop.svc.cluster.local:80", "/");
    assertThat(answer).startsWith("HTTP/1.1 5");

    assertThat(find(stderr, CommonPoolAlarm.ALARM)).as("a common-pool thread was started").isEmpty();
  }

  private static Optional<String> find(Iterable<String> lines, String text) {
    for (String line : lines) {
      if (line.contains(text)) {
        return Optional.of(line);
      }
    }
    return Optional.empty();
  }
}
