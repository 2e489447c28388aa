package io.weft.cli.architecture;

import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The dependency rules docs/ARCHITECTURE.md states, for the tree under {@code root} (Weft's is
 * {@code io.weft}): no package cycles; nothing but the test kit itself depends on the test kit; and
 * each module is used only by the modules above it that the document lists (the modules, bottom up:
 * protocol, streams, k8s, operator, actors, proxy, viz, demo, cli); and nothing the proxy runs needs
 * Bouncy Castle, which its classpath leaves out.
 */
final class DependencyRules {
  private DependencyRules() {}

  static List<ArchRule> of(String root) {
    return List.of(noPackageCycles(root), noProductionCodeOnTheTestKit(root), modules(root), proxyWithoutBouncyCastle(root));
  }

  static ArchRule noPackageCycles(String root) {
    return slices().matching(root + ".(**)").namingSlices("package $1").should().beFreeOfCycles()
        .because("a package cycle makes two concerns one");
  }

  static ArchRule noProductionCodeOnTheTestKit(String root) {
    return noClasses().that().resideOutsideOfPackage(root + ".testkit..")
        .should().dependOnClassesThat().resideInAPackage(root + ".testkit..")
        .because("the test kit is for tests and benchmarks only");
  }

  static ArchRule modules(String root) {
    return Architectures.layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("protocol").definedBy(root + ".protocol..")
        .layer("streams").definedBy(root + ".streams..")
        .layer("k8s").definedBy(root + ".k8s..")
        .layer("operator").definedBy(root + ".operator..")
        .layer("actors").definedBy(root + ".actors..")
        .layer("proxy").definedBy(root + ".proxy..")
        .layer("viz").definedBy(root + ".viz..")
        .layer("demo").definedBy(root + ".demo..")
        .layer("cli").definedBy(root + ".cli..")
        .whereLayer("cli").mayNotBeAccessedByAnyLayer()
        .whereLayer("demo").mayOnlyBeAccessedByLayers("cli")
        .whereLayer("viz").mayOnlyBeAccessedByLayers("demo", "cli")
        .whereLayer("proxy").mayOnlyBeAccessedByLayers("viz", "demo", "cli")
        .whereLayer("actors").mayOnlyBeAccessedByLayers("demo", "cli")
        .whereLayer("operator").mayOnlyBeAccessedByLayers("actors", "cli")
        .whereLayer("k8s").mayOnlyBeAccessedByLayers("operator", "actors", "viz", "demo", "cli")
        .whereLayer("streams").mayOnlyBeAccessedByLayers("proxy", "viz", "demo", "cli")
        .whereLayer("protocol").mayOnlyBeAccessedByLayers("streams", "k8s", "operator", "actors", "proxy", "viz", "demo", "cli")
        .because("docs/ARCHITECTURE.md: a module depends only on the modules below it that it lists");
  }

  /** The proxy's runtime classpath leaves Bouncy Castle out (proxy/pom.xml), so nothing it runs may need it. */
  static ArchRule proxyWithoutBouncyCastle(String root) {
    return noClasses().that().resideInAnyPackage(root + ".proxy..", root + ".streams..")
        .should().transitivelyDependOnClassesThat().resideInAPackage("org.bouncycastle..")
        .because("a proxy starts without Bouncy Castle's signed jars (docs/DECISIONS.md, issue 12)");
  }
}
