package io.weft.operator.profile;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.k8s.decode.ManifestDecoder;
import io.weft.k8s.decode.YamlDocuments;
import io.weft.k8s.model.ServiceProfileResource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceProfileGeneratorTest {
  private static ServiceProfileResource decode(String yaml) throws Exception {
    List<ObjectNode> documents = YamlDocuments.read(yaml);
    assertThat(documents).hasSize(1);
    return (ServiceProfileResource) ManifestDecoder.decode(ManifestDecoder.kindOf(documents.getFirst()).orElseThrow(), documents.getFirst());
  }

  @Test
  void aSwaggerDescriptionBecomesOneRoutePerOperation() throws Exception {
    ObjectNode spec = YamlDocuments.read("""
        swagger: "2.0"
        basePath: /api
        paths:
          /books/{id}:
            get: {}
            put: {x-linkerd-retryable: true, x-linkerd-timeout: 250ms}
          /authors.json:
            get: {x-linkerd-timeout: 1s}
            parameters: []
        """).getFirst();
    ServiceProfileResource profile = decode(ServiceProfileGenerator.fromOpenApi(spec, "books", "booksapp", "cluster.local"));
    assertThat(profile.meta().name()).isEqualTo("books.booksapp.svc.cluster.local");
    assertThat(profile.meta().namespace()).isEqualTo("booksapp");
    assertThat(profile.routes()).extracting(ServiceProfileResource.Route::name)
        .containsExactly("GET /api/authors.json", "GET /api/books/{id}", "PUT /api/books/{id}");
    ServiceProfileResource.Route put = profile.routes().get(2);
    assertThat(put.isRetryable()).isTrue();
    assertThat(put.timeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(put.condition().all()).extracting(ServiceProfileResource.RequestMatch::pathRegex, ServiceProfileResource.RequestMatch::method)
        .contains(org.assertj.core.groups.Tuple.tuple("/api/books/[^/]*", null), org.assertj.core.groups.Tuple.tuple(null, "PUT"));
    assertThat(profile.routes().get(0).timeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(profile.routes().get(1).isRetryable()).isFalse();
  }

  @Test
  void pathsBecomeAnchoredPatternsWithOneSegmentPerParameter() {
    Pattern books = Pattern.compile(ServiceProfileGenerator.pathRegex("/books/{id}/reviews"));
    assertThat(books.matcher("/books/12/reviews").matches()).isTrue();
    assertThat(books.matcher("/books/12/13/reviews").matches()).isFalse();
    Pattern literal = Pattern.compile(ServiceProfileGenerator.pathRegex("/authors.json"));
    assertThat(literal.matcher("/authors.json").matches()).isTrue();
    assertThat(literal.matcher("/authorsXjson").matches()).as("a dot is a dot").isFalse();
  }

  @Test
  void openApi3WorksTooAndAnythingElseIsRefusedWithTheReason() throws Exception {
    ObjectNode v3 = YamlDocuments.read("""
        openapi: 3.0.0
        paths:
          /vote:
            post: {}
        """).getFirst();
    assertThat(decode(ServiceProfileGenerator.fromOpenApi(v3, "web-svc", "emojivoto", "cluster.local")).routes())
        .extracting(ServiceProfileResource.Route::name).containsExactly("POST /vote");
    ObjectNode notApi = YamlDocuments.read("kind: Service\n").getFirst();
    assertThatThrownBy(() -> ServiceProfileGenerator.fromOpenApi(notApi, "a", "b", "cluster.local"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an OpenAPI description");
  }

  @Test
  void theTemplateIsAValidServiceProfile() throws Exception {
    ServiceProfileResource template = decode(ServiceProfileGenerator.template("web-svc", "emojivoto", "cluster.local"));
    assertThat(template.meta().name()).isEqualTo("web-svc.emojivoto.svc.cluster.local");
    assertThat(template.routes()).hasSize(1);
    assertThat(template.retryBudget().retryRatio()).isEqualTo(0.2);
  }
}
