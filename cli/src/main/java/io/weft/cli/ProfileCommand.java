package io.weft.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.k8s.decode.YamlDocuments;
import io.weft.operator.profile.ServiceProfileGenerator;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

@Command(name = "profile", description = "Write a ServiceProfile for a Service: a template to fill in, or routes from an "
    + "OpenAPI (Swagger) description. Apply the output with kubectl.")
final class ProfileCommand implements Runnable {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "SERVICE", description = "The Service's name.")
  String service;

  @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "The Service's namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = "--cluster-domain", defaultValue = "cluster.local", description = "(default: ${DEFAULT-VALUE})")
  String clusterDomain;

  @ArgGroup(multiplicity = "1")
  Source source;

  /** Exactly one of: a template, or an OpenAPI description. */
  static final class Source {
    @Option(names = "--template", required = true, description = "A ServiceProfile with an example route, every field explained.")
    boolean template;

    @Option(names = "--open-api", required = true, paramLabel = "FILE",
        description = "An OpenAPI 3 or Swagger 2.0 description (YAML or JSON; - for stdin): one route per operation.")
    String openApi;
  }

  @Override
  public void run() {
    String profile = source.template
        ? ServiceProfileGenerator.template(service, namespace, clusterDomain)
        : ServiceProfileGenerator.fromOpenApi(read(source.openApi), service, namespace, clusterDomain);
    spec.commandLine().getOut().print(profile);
    spec.commandLine().getOut().flush();
  }

  private static ObjectNode read(String file) {
    String text;
    try {
      text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
    List<ObjectNode> documents;
    try {
      documents = YamlDocuments.read(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
    if (documents.size() != 1) {
      throw new IllegalArgumentException(file + ": expected one OpenAPI document, found " + documents.size());
    }
    return documents.getFirst();
  }
}
