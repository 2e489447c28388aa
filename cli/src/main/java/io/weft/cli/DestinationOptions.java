package io.weft.cli;

import io.weft.protocol.net.Authority;
import picocli.CommandLine.Option;

import java.time.Duration;

/** Where the Destination service is and how long to wait for it, for the commands that ask it. */
final class DestinationOptions {
  @Option(names = "--destination", converter = AuthorityConverter.class, defaultValue = "127.0.0.1:8086",
      description = "The Destination service (default: ${DEFAULT-VALUE}).")
  Authority destination;

  @Option(names = "--timeout", defaultValue = "10s", converter = DurationConverter.class,
      description = "How long to wait for an answer (default: ${DEFAULT-VALUE}).")
  Duration timeout;
}
