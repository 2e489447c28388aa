package io.weft.operator.check;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** How a run of checks proceeds: what an error ends, what a warning does not, what is waited for. */
class CheckRunnerTest {
  private static final Duration QUICK = Duration.ofMillis(10);

  private static Check passing(String name) {
    return Check.of(name, "", () -> {});
  }

  private static Check failing(String name) {
    return Check.of(name, "do this", () -> {
      throw CheckProblem.error(name + " is broken");
    });
  }

  private final List<CheckResult> results = new ArrayList<>();

  private boolean run(Duration wait, Category... categories) {
    return new CheckRunner(wait, QUICK, Clock.systemUTC()).run(List.of(categories), results::add);
  }

  @Test
  void anErrorEndsItsCategoryButNotTheRunAndAWarningEndsNothing() {
    Check warning = Check.of("w", "mind this", () -> {
      throw CheckProblem.warning("soon");
    });
    boolean success = run(Duration.ZERO, new Category("a", List.of(passing("a1"), failing("a2"), passing("a3"))),
        new Category("b", List.of(warning, passing("b2"))));
    assertThat(success).isFalse();
    assertThat(results).extracting(r -> r.description() + ":" + r.status()).containsExactly(
        "a1:SUCCESS", "a2:ERROR", "w:WARNING", "b2:SUCCESS");
    assertThat(results.get(1).error()).isEqualTo("a2 is broken");
    assertThat(results.get(1).hint()).isEqualTo("do this");
    results.clear();
    assertThat(run(Duration.ZERO, new Category("b", List.of(warning)))).as("warnings pass").isTrue();
  }

  @Test
  void aFatalErrorEndsTheRunAndACategoryThatDoesNotApplyIsLeftOut() {
    boolean success = run(Duration.ZERO, new Category("a", List.of(failing("a1").stopsTheRun())),
        new Category("b", List.of(passing("b1"))));
    assertThat(success).isFalse();
    assertThat(results).extracting(CheckResult::description).containsExactly("a1");
    results.clear();
    run(Duration.ZERO, new Category("ha", List.of(passing("h1")), () -> false), new Category("b", List.of(passing("b1"))));
    assertThat(results).extracting(CheckResult::description).containsExactly("b1");
  }

  @Test
  void anAwaitedCheckIsRetriedUntilItPassesWithinTheWaitAndAnApiFailureIsAnError() {
    AtomicInteger calls = new AtomicInteger();
    Check becomesTrue = Check.of("pods are ready", "", () -> {
      if (calls.incrementAndGet() < 3) {
        throw CheckProblem.error("not yet");
      }
    }).awaited();
    assertThat(run(Duration.ofSeconds(30), new Category("a", List.of(becomesTrue)))).isTrue();
    assertThat(calls.get()).isEqualTo(3);
    assertThat(results).extracting(CheckResult::status).containsExactly(CheckStatus.SUCCESS);

    results.clear();
    calls.set(0);
    assertThat(run(Duration.ZERO, new Category("a", List.of(becomesTrue)))).as("no wait: one try").isFalse();
    assertThat(calls.get()).isEqualTo(1);

    results.clear();
    Check apiDown = Check.of("query", "", () -> {
      throw new IllegalStateException("list failed", new java.net.ConnectException("Connection refused"));
    });
    run(Duration.ZERO, new Category("a", List.of(apiDown)));
    assertThat(results.getFirst().error()).isEqualTo("list failed\nConnectException: Connection refused");
  }

  @Test
  void theTableAndJsonReportsHaveLinkerdsShape() throws Exception {
    StringWriter table = new StringWriter();
    CheckReport report = new CheckReport(new PrintWriter(table), CheckReport.Format.TABLE, "Weft core checks");
    report.finish(new CheckRunner(Duration.ZERO, QUICK, Clock.systemUTC())
        .run(List.of(new Category("a", List.of(passing("a1"), failing("a2")))), report));
    assertThat(table.toString()).isEqualTo("""
        Weft core checks
        ================

        a
        -
        √ a1
        × a2
            a2 is broken
            hint: do this

        Status check results are ×
        """);
    StringWriter json = new StringWriter();
    CheckReport jsonReport = new CheckReport(new PrintWriter(json), CheckReport.Format.JSON, "ignored");
    jsonReport.accept(new CheckResult("a", "a1", CheckStatus.WARNING, "soon", "mind this"));
    jsonReport.finish(true);
    var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toString());
    assertThat(tree.path("success").asBoolean()).isTrue();
    assertThat(tree.path("categories").get(0).path("categoryName").asText()).isEqualTo("a");
    assertThat(tree.path("categories").get(0).path("checks").get(0).toString())
        .isEqualTo("{\"description\":\"a1\",\"hint\":\"mind this\",\"error\":\"soon\",\"result\":\"warning\"}");
  }
}
