package io.weft.cli.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Weft's production code keeps the rules of docs/ARCHITECTURE.md; and the rules do catch each kind
 * of break, shown on a small tree of fixture classes that breaks each once.
 */
class DependencyRulesTest {
  @Test
  void weftsProductionCodeKeepsTheRules() {
    JavaClasses production = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.weft");
    // Every module is on this classpath: the rules judge the whole mesh, not an empty set.
    for (String module : new String[] {"protocol", "streams", "k8s", "operator", "actors", "proxy", "viz", "demo", "cli"}) {
      assertThat(production.stream().anyMatch(c -> c.getPackageName().startsWith("io.weft." + module)))
          .as("classes of module %s imported", module).isTrue();
    }
    for (ArchRule rule : DependencyRules.of("io.weft")) {
      rule.check(production);
    }
  }

  @Test
  void aCycleATestKitImportAnUpwardImportAndBouncyCastleUnderTheProxyEachBreakTheirRule() {
    JavaClasses fixtures = new ClassFileImporter().importPackages("fixtures.weft");
    EvaluationResult cycles = DependencyRules.noPackageCycles("fixtures.weft").evaluate(fixtures);
    assertThat(cycles.hasViolation()).isTrue();
    assertThat(cycles.getFailureReport().toString()).contains("package proxy.a").contains("package proxy.b");

    EvaluationResult testKit = DependencyRules.noProductionCodeOnTheTestKit("fixtures.weft").evaluate(fixtures);
    assertThat(testKit.hasViolation()).isTrue();
    assertThat(testKit.getFailureReport().toString()).contains("fixtures.weft.cli.Command").contains("fixtures.weft.testkit.Fixture");

    EvaluationResult modules = DependencyRules.modules("fixtures.weft").evaluate(fixtures);
    assertThat(modules.hasViolation()).isTrue();
    assertThat(modules.getFailureReport().toString()).contains("fixtures.weft.protocol.Wire").contains("fixtures.weft.cli.Command");

    EvaluationResult bouncyCastle = DependencyRules.proxyWithoutBouncyCastle("fixtures.weft").evaluate(fixtures);
    assertThat(bouncyCastle.hasViolation()).isTrue();
    assertThat(bouncyCastle.getFailureReport().toString()).contains("fixtures.weft.proxy.Starter")
        .contains("org.bouncycastle.openssl.PEMParser");
  }
}
