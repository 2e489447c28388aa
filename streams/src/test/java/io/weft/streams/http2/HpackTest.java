package io.weft.streams.http2;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** HPACK against RFC 7541's own examples (Appendix C), and the encoder against the decoder. */
class HpackTest {
  private static List<String> decode(HpackDecoder decoder, String hex) throws HpackDecoder.HpackException {
    byte[] block = HexFormat.of().parseHex(hex.replace(" ", ""));
    List<String> fields = new ArrayList<>();
    decoder.decode(block, 0, block.length, (name, value) -> fields.add(name + ": " + value));
    return fields;
  }

  @Test
  void requestsWithoutHuffmanCodingAsAppendixC3() throws Exception {
    HpackDecoder decoder = new HpackDecoder(4096);
    assertThat(decode(decoder, "828684410f7777772e6578616d706c652e636f6d"))
        .containsExactly(":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com");
    assertThat(decode(decoder, "828684be58086e6f2d6361636865"))
        .containsExactly(":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com", "cache-control: no-cache");
    assertThat(decode(decoder, "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565"))
        .containsExactly(":method: GET", ":scheme: https", ":path: /index.html", ":authority: www.example.com",
            "custom-key: custom-value");
  }

  @Test
  void requestsWithHuffmanCodingAsAppendixC4() throws Exception {
    HpackDecoder decoder = new HpackDecoder(4096);
    assertThat(decode(decoder, "828684418cf1e3c2e5f23a6ba0ab90f4ff"))
        .containsExactly(":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com");
    assertThat(decode(decoder, "828684be5886a8eb10649cbf"))
        .containsExactly(":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com", "cache-control: no-cache");
    assertThat(decode(decoder, "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf"))
        .containsExactly(":method: GET", ":scheme: https", ":path: /index.html", ":authority: www.example.com",
            "custom-key: custom-value");
  }

  @Test
  void responsesEvictTheOldestEntriesAsAppendixC6() throws Exception {
    HpackDecoder decoder = new HpackDecoder(256);
    // C.6's first two responses, in a table of 256 octets: the second evicts the first's oldest entry.
    assertThat(decode(decoder, "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3"))
        .containsExactly(":status: 302", "cache-control: private", "date: Mon, 21 Oct 2013 20:13:21 GMT",
            "location: https://www.example.com");
    assertThat(decode(decoder, "4883640effc1c0bf"))
        .containsExactly(":status: 307", "cache-control: private", "date: Mon, 21 Oct 2013 20:13:21 GMT",
            "location: https://www.example.com");
  }

  @Test
  void damagedBlocksAreRefusedWithWhatIsWrong() {
    HpackDecoder decoder = new HpackDecoder(4096);
    assertThatThrownBy(() -> decode(decoder, "80")).hasMessageContaining("index 0");
    assertThatThrownBy(() -> decode(decoder, "be")).hasMessageContaining("beyond the table");
    assertThatThrownBy(() -> decode(decoder, "410f7777")).hasMessageContaining("longer than its block");
    assertThatThrownBy(() -> decode(decoder, "3fe21f")).hasMessageContaining("dynamic table size of 4097");
    assertThatThrownBy(() -> decode(decoder, "8220")).hasMessageContaining("after a field");
    // A Huffman string that is padding only, and longer than 7 bits of it.
    assertThatThrownBy(() -> decode(decoder, "4181ff")).hasMessageContaining("Huffman");
  }

  @Test
  void everySymbolEndsAStringAtEveryBitAlignment() {
    // '0' is 5 bits, so 0-7 of them put the last symbol at each of the 8 offsets in a byte; a code
    // longer than 8 bits that ended in the last byte was refused ("     !" as a header value).
    for (int symbol = 0; symbol < 256; symbol++) {
      for (int lead = 0; lead < 8; lead++) {
        String text = "0".repeat(lead) + (char) symbol;
        Octets coded = new Octets();
        Huffman.encode(text, coded);
        assertThat(Huffman.decode(coded.array(), 0, coded.size())).as("symbol %d after %d", symbol, lead).isEqualTo(text);
      }
    }
  }

  @Property(tries = 300)
  void whatTheEncoderWritesTheDecoderReadsBlockAfterBlock(@ForAll("blocks") List<List<String>> blocks,
                                                          @ForAll("tableSizes") int peerTable) throws Exception {
    HpackEncoder encoder = new HpackEncoder();
    encoder.peerTableSize(peerTable);
    HpackDecoder decoder = new HpackDecoder(4096);
    Octets block = new Octets();
    for (List<String> fields : blocks) {
      encoder.startBlock(block);
      List<String> expected = new ArrayList<>();
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        String name = latin1(fields.get(i)).toLowerCase(java.util.Locale.ROOT);
        String value = latin1(fields.get(i + 1));
        encoder.field(name, value, block);
        expected.add(name + ": " + value);
      }
      List<String> decoded = new ArrayList<>();
      decoder.decode(block.array(), 0, block.size(), (n, v) -> decoded.add(n + ": " + v));
      block.reset();
      assertThat(decoded).containsExactlyElementsOf(expected);
    }
  }

  @Provide
  Arbitrary<List<List<String>>> blocks() {
    // Few distinct names and values, so fields repeat, are indexed, and push each other out.
    Arbitrary<String> names = Arbitraries.of("content-type", "te", "user-agent", ":authority", ":path", "x-a", "x-b",
        "cookie", "grpc-status");
    Arbitrary<String> values = Arbitraries.oneOf(Arbitraries.of("", "a", "b", "application/grpc", "trailers"),
        Arbitraries.strings().ofMaxLength(40));
    Arbitrary<List<String>> field = net.jqwik.api.Combinators.combine(names, values).as(List::of);
    return field.list().ofMaxSize(20)
        .map(fields -> fields.stream().flatMap(List::stream).toList())
        .list().ofMaxSize(12);
  }

  @Provide
  Arbitrary<Integer> tableSizes() {
    return Arbitraries.of(0, 64, 100, 256, 4096, 65536);
  }

  @Test
  void aRepeatedFieldIsOneIndexFromItsSecondTimeAndCredentialsAreNeverIndexed() throws Exception {
    HpackEncoder encoder = new HpackEncoder();
    Octets block = new Octets();
    encoder.field("x-tenant", "blue", block);
    int first = block.size();
    block.reset();
    encoder.field("x-tenant", "blue", block);
    assertThat(block.size()).isEqualTo(1);
    assertThat(block.array()[0] & 0xff).isEqualTo(0x80 | 62);
    block.reset();
    encoder.field("authorization", "secret", block);
    assertThat(block.array()[0] & 0xf0).isEqualTo(0x10);
    assertThat(first).isGreaterThan(1);
  }

  @Test
  void aPathIsIndexedOnceItRepeatsAndUniquePathsLeaveTheTableAlone() throws Exception {
    HpackEncoder encoder = new HpackEncoder();
    HpackDecoder decoder = new HpackDecoder(4096);
    Octets block = new Octets();
    encoder.field("user-agent", "grpc-java/1.75", block);
    List<Integer> sizes = writtenSizes(encoder, block, ":path", "/io.linkerd.proxy.destination.Destination/Get", 3);
    // Written out, written out and added, then one index.
    assertThat(sizes.get(0)).isGreaterThan(1);
    assertThat(sizes.get(1)).isGreaterThan(1);
    assertThat(sizes.get(2)).isEqualTo(1);
    for (int i = 0; i < 200; i++) {
      encoder.field(":path", "/orders/" + i, block);
    }
    int before = block.size();
    encoder.field("user-agent", "grpc-java/1.75", block);
    encoder.field(":path", "/io.linkerd.proxy.destination.Destination/Get", block);
    assertThat(block.size() - before).as("unique paths pushed out neither entry").isEqualTo(2);
    List<String> read = new ArrayList<>();
    decoder.decode(block.array(), 0, block.size(), (n, v) -> read.add(n + ": " + v));
    assertThat(read).hasSize(206).endsWith("user-agent: grpc-java/1.75", ":path: /io.linkerd.proxy.destination.Destination/Get");
  }

  @Test
  void aDateIsIndexedWithinItsSecondAndAFieldWrittenOutAgainIsDecodedOnce() throws Exception {
    HpackEncoder encoder = new HpackEncoder();
    Octets block = new Octets();
    List<Integer> sizes = writtenSizes(encoder, block, "date", "Mon, 07 Dec 2026 08:00:00 GMT", 3);
    assertThat(sizes.get(2)).isEqualTo(1);
    // A peer that writes the same Huffman-coded literal (never indexed) twice: decoded once.
    Octets literal = new Octets();
    HpackEncoder unindexing = new HpackEncoder();
    unindexing.peerTableSize(0);
    unindexing.field("x-trace", "abcdefghijklmnop", literal);
    unindexing.field("x-trace", "abcdefghijklmnop", literal);
    List<String> values = new ArrayList<>();
    new HpackDecoder(4096).decode(literal.array(), 0, literal.size(), (n, v) -> values.add(v));
    assertThat(values).containsExactly("abcdefghijklmnop", "abcdefghijklmnop");
    assertThat(values.get(1)).isSameAs(values.get(0));
  }

  @Test
  void fieldsRepeatedAcrossBlocksAreReadBackAsWritten() throws Exception {
    HpackEncoder encoder = new HpackEncoder();
    HpackDecoder decoder = new HpackDecoder(4096);
    Octets block = new Octets();
    List<String> written = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 6; i++) {
        encoder.field("x-" + i, "v" + (i + round % 2), block);
        written.add("x-" + i + ": v" + (i + round % 2));
      }
    }
    List<String> read = new ArrayList<>();
    decoder.decode(block.array(), 0, block.size(), (n, v) -> read.add(n + ": " + v));
    assertThat(read).containsExactlyElementsOf(written);
  }

  @Test
  void aSmallerPeerTableIsToldAtTheNextBlocksStart() throws Exception {
    HpackEncoder encoder = new HpackEncoder();
    Octets block = new Octets();
    encoder.field("x-tenant", "blue", block);
    block.reset();
    encoder.peerTableSize(0);
    encoder.startBlock(block);
    encoder.field("x-tenant", "blue", block);
    assertThat(block.array()[0] & 0xff).isEqualTo(0x20); // a size update to 0, then the field written out again
    assertThat(block.size()).isGreaterThan(2);
  }

  /** The octets each of {@code times} writes of the same field took. */
  private static List<Integer> writtenSizes(HpackEncoder encoder, Octets block, String name, String value, int times) {
    List<Integer> sizes = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      int before = block.size();
      encoder.field(name, value, block);
      sizes.add(block.size() - before);
    }
    return sizes;
  }

  private static String latin1(String text) {
    StringBuilder octets = new StringBuilder();
    text.chars().forEach(c -> octets.append((char) (c & 0xff)));
    return octets.toString();
  }
}
