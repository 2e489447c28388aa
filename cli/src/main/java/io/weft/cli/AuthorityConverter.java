package io.weft.cli;

import io.weft.protocol.net.Authority;
import picocli.CommandLine;

/** A {@code host:port} option value, rejected with the reason when malformed. */
final class AuthorityConverter implements CommandLine.ITypeConverter<Authority> {
  @Override
  public Authority convert(String value) {
    return Authority.parseWithPort(value).orElseThrow(() -> new CommandLine.TypeConversionException(Authority.explain(value)));
  }
}
