package io.weft.cli;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import picocli.CommandLine;

import java.time.Duration;

/** Durations as Weft's configuration writes them: {@code 30s}, {@code 500ms}, {@code 2m}. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    try {
      return ConfigFactory.parseString("d = \"" + value.replace("\"", "") + "\"").getDuration("d");
    } catch (ConfigException e) {
      throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (try 30s, 500ms or 2m)");
    }
  }
}
