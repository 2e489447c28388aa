package io.weft.cli;

import picocli.CommandLine;

/** A {@code host:port} option value, rejected with the reason when malformed. */
record HostPort(String host, int port) {
  static final class Converter implements CommandLine.ITypeConverter<HostPort> {
    @Override
    public HostPort convert(String value) {
      int colon = value.lastIndexOf(':');
      if (colon <= 0 || colon == value.length() - 1) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not host:port");
      }
      String port = value.substring(colon + 1);
      if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
        throw new CommandLine.TypeConversionException("'" + value + "' has an invalid port '" + port + "'");
      }
      return new HostPort(value.substring(0, colon), Integer.parseInt(port));
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
