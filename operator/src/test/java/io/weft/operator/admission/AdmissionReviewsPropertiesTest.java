package io.weft.operator.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.operator.inject.InjectionSettings;
import io.weft.operator.inject.ProxyInjector;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The admission webhooks' handler fuzzed by generated input (jqwik): real AdmissionReviews (a pod
 * to inject, a ServiceProfile and a Server to validate) with any of their values replaced by a
 * value of another type, and their text cut or changed. Every review gets an answer, or is refused
 * as malformed with an IllegalArgumentException — never another exception (which the webhook
 * would answer 500 to, failing the user's apply). {@code bench/run fuzz} runs more tries.
 */
class AdmissionReviewsPropertiesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AdmissionReviews REVIEWS = new AdmissionReviews(new ProxyInjector(InjectionSettings.defaults("1.0.0",
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "fuzz")),
      ns -> CompletableFuture.completedFuture(Map.of(ProxyInjector.INJECT, "enabled")), AdmissionObserver.NONE);
  private static final List<String> REVIEWS_JSON = List.of("""
      {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","namespace":"shop",
       "object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-0","namespace":"shop","labels":{"app":"web"},
        "annotations":{"config.linkerd.io/proxy-cpu-request":"100m","config.linkerd.io/opaque-ports":"3306"},
        "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-5d","uid":"x","controller":true}]},
        "spec":{"containers":[{"name":"web","image":"web:1","ports":[{"name":"http","containerPort":8080}]}],
         "initContainers":[{"name":"init","image":"busybox"}],"volumes":[{"name":"data","emptyDir":{}}]}}}}
      """, """
      {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u2","namespace":"shop",
       "object":{"apiVersion":"linkerd.io/v1alpha2","kind":"ServiceProfile","metadata":{"name":"web.shop.svc.cluster.local",
        "namespace":"shop"},"spec":{"routes":[{"name":"r","condition":{"method":"GET","pathRegex":"/x"},"timeout":"1s"}],
        "retryBudget":{"retryRatio":0.2,"minRetriesPerSecond":10,"ttl":"10s"}}}}}
      """, """
      {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u3","namespace":"shop",
       "object":{"apiVersion":"policy.linkerd.io/v1beta3","kind":"Server","metadata":{"name":"s","namespace":"shop"},
        "spec":{"podSelector":{"matchLabels":{"app":"web"}},"port":8080,"proxyProtocol":"HTTP/2"}}}}
      """);

  @net.jqwik.api.Example
  void aPodWithASettingTheProxyCannotHonourIsRefusedSayingWhich() throws Exception {
    // Found by the properties below: this used to fail the webhook call itself (a 500).
    JsonNode answer = JSON.readTree(REVIEWS.inject(REVIEWS_JSON.getFirst().replace("\"3306\"", "\"x\"")).toCompletableFuture()
        .join()).path("response");
    org.assertj.core.api.Assertions.assertThat(answer.path("allowed").asBoolean(true)).isFalse();
    org.assertj.core.api.Assertions.assertThat(answer.path("status").path("code").asInt()).isEqualTo(400);
    org.assertj.core.api.Assertions.assertThat(answer.path("status").path("message").asText())
        .contains("config.linkerd.io/opaque-ports").contains("'x'");
    org.assertj.core.api.Assertions.assertThat(answer.has("patch")).isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> REVIEWS.inject(REVIEWS_JSON.getFirst()
            .replace("\"spec\":{\"containers\"", "\"spec\":\"none\",\"x\":{\"containers\"")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("request.object.spec is not an object");
  }

  @Property
  void reviewsWithValuesOfOtherTypesAreAnsweredOrRefused(@ForAll("retyped") String review) {
    handle(review);
  }

  @Property
  void damagedReviewTextIsAnsweredOrRefused(@ForAll("damagedText") String review) {
    handle(review);
  }

  private static void handle(String review) {
    try {
      REVIEWS.inject(review).toCompletableFuture().join();
    } catch (IllegalArgumentException malformed) {
      // refused as a malformed review, with its message
    }
    try {
      REVIEWS.validate(review);
    } catch (IllegalArgumentException malformed) {
      // as above
    }
  }

  @Provide
  Arbitrary<String> retyped() {
    Arbitrary<List<int[]>> edits = Combinators.combine(Arbitraries.integers().between(0, 10_000), Arbitraries.integers().between(0, 6))
        .as((node, value) -> new int[] {node, value}).list().ofMinSize(1).ofMaxSize(3);
    return Combinators.combine(Arbitraries.of(REVIEWS_JSON), edits).as((text, list) -> {
      try {
        JsonNode tree = JSON.readTree(text);
        for (int[] edit : list) {
          List<Slot> slots = new ArrayList<>();
          collect(tree, slots);
          if (!slots.isEmpty()) {
            slots.get(edit[0] % slots.size()).set(value(edit[1]));
          }
        }
        return tree.toString();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Provide
  Arbitrary<String> damagedText() {
    return Combinators.combine(Arbitraries.of(REVIEWS_JSON), Arbitraries.integers().between(0, 2000),
        Arbitraries.of('{', '}', '[', ']', '"', ',', ':', '0', 'x', ' ')).as((text, at, c) -> {
      StringBuilder damaged = new StringBuilder(text);
      int i = at % damaged.length();
      damaged.setCharAt(i, c);
      return damaged.toString();
    });
  }

  /** A place in the tree a value can be put. */
  private record Slot(ContainerNode<?> parent, String field, int index) {
    void set(JsonNode value) {
      if (parent instanceof ObjectNode object) {
        object.set(field, value);
      } else {
        ((ArrayNode) parent).set(index, value);
      }
    }
  }

  private static void collect(JsonNode node, List<Slot> slots) {
    if (node instanceof ObjectNode object) {
      for (var it = object.fieldNames(); it.hasNext(); ) {
        String field = it.next();
        slots.add(new Slot(object, field, -1));
        collect(object.get(field), slots);
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        slots.add(new Slot(array, null, i));
        collect(array.get(i), slots);
      }
    }
  }

  private static JsonNode value(int kind) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    return switch (kind) {
      case 0 -> f.textNode("x");
      case 1 -> f.numberNode(-7);
      case 2 -> f.arrayNode();
      case 3 -> f.objectNode();
      case 4 -> f.nullNode();
      case 5 -> f.booleanNode(true);
      default -> f.numberNode(1e300);
    };
  }
}
