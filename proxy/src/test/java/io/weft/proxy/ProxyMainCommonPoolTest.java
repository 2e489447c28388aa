package io.weft.proxy;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy program hands no work to the JDK's common pool: a task there wakes a thread the proxy
 * does not size (javadsl futures' Java views run even their plain callbacks there, and in JDK 25
 * {@code CompletableFuture}'s timeouts start the pool's delay scheduler). Its control-plane calls
 * and the waits for their answers are where that crept in, so the program is started against a
 * destination service that refuses, asked to route a request (a discovery call, refused, and the
 * wait for its first answer), and its stderr is read for the common pool's thread factory saying it
 * started a worker, and its threads for any of the pool's.
 */
class ProxyMainCommonPoolTest {
  private static final Pattern OUTBOUND = Pattern.compile("outbound \\[/127\\.0\\.0\\.1:(\\d+)");

  @Test
  void controlPlaneCallsAndTheirWaitsStartNoCommonPoolThread() throws Exception {
    try (ProxyProgram proxy = ProxyProgram.start(
        List.of("-Djava.util.concurrent.ForkJoinPool.common.threadFactory=" + CommonPoolAlarm.class.getName()),
        Map.of("LINKERD2_PROXY_LOG", "warn,io.weft.proxy.ProxyRuntime=info"))) {
      String ready = proxy.find("proxy ready").orElseThrow();
      Matcher outbound = OUTBOUND.matcher(ready);
      assertThat(outbound.find()).as("the outbound port in: %s", ready).isTrue();

      // A request for a Service: the proxy asks the destination service (which refuses) and answers with an error.
      String answer = RawHttp.get(Integer.parseInt(outbound.group(1)), "web.shop.svc.cluster.local:80", "/");
      assertThat(answer).startsWith("HTTP/1.1 5");

      assertThat(proxy.find(CommonPoolAlarm.ALARM)).as("a common-pool thread was started").isEmpty();
      assertThat(proxy.threadNames()).as("threads of the common pool (a worker, the delay scheduler)")
          .noneMatch(name -> name.startsWith("ForkJoinPool.co"));
    }
  }
}
