package io.weft.protocol.policy;

import io.weft.protocol.net.Cidr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Linkerd's outcome for every default policy and kind of client. */
class DefaultPolicyTest {
  private static final List<Cidr> CLUSTER = List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8"));
  private static final String IDENTITY = "web.shop.serviceaccount.identity.linkerd.cluster.local";

  @ParameterizedTest(name = "{0}: meshed in cluster {1}, meshed outside {2}, unmeshed in cluster {3}, unmeshed outside {4}")
  @CsvSource({
      "all-unauthenticated,     true,  true,  true,  true",
      "all-authenticated,       true,  true,  false, false",
      "cluster-unauthenticated, true,  false, true,  false",
      "cluster-authenticated,   true,  false, false, false",
      "deny,                    false, false, false, false",
      "audit,                   true,  true,  true,  true"})
  void eachPolicyAllowsWhomLinkerdsDoes(String name, boolean meshedInside, boolean meshedOutside, boolean unmeshedInside,
                                         boolean unmeshedOutside) throws Exception {
    DefaultPolicy policy = DefaultPolicy.parse(name);
    assertThat(policy.linkerdName()).isEqualTo(name);
    InetAddress inside = InetAddress.ofLiteral("10.1.2.3");
    InetAddress outside = InetAddress.ofLiteral("203.0.113.9");
    assertThat(policy.allows(new Client(inside, Optional.of(IDENTITY)), CLUSTER)).isEqualTo(meshedInside);
    assertThat(policy.allows(new Client(outside, Optional.of(IDENTITY)), CLUSTER)).isEqualTo(meshedOutside);
    assertThat(policy.allows(new Client(inside, Optional.empty()), CLUSTER)).isEqualTo(unmeshedInside);
    assertThat(policy.allows(new Client(outside, Optional.empty()), CLUSTER)).isEqualTo(unmeshedOutside);
    assertThat(policy.allows(new Client(InetAddress.ofLiteral("fd00::7"), Optional.empty()), CLUSTER)).isEqualTo(unmeshedInside);
  }

  @org.junit.jupiter.api.Test
  void aNameThatIsNoPolicyIsRefusedNamingTheOnesThereAre() {
    assertThatThrownBy(() -> DefaultPolicy.parse("allow")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'allow' is not a default policy").hasMessageContaining("cluster-authenticated");
  }
}
