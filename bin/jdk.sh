# Sourced by Weft's scripts: selects JDK 25 (Weft needs it; the machine's default java may be older).
# A JDK's release file says its version without starting a JVM (~40 ms of every command and every
# proxy's start); java -version is asked only when a JDK has no such file.
jdk_is_25() {
  [ -x "$1/bin/java" ] || return 1
  if [ -r "$1/release" ]; then grep -qE '^JAVA_VERSION="(2[5-9]|[3-9][0-9])' "$1/release"
  else "$1/bin/java" -version 2>&1 | grep -q 'version "2[5-9]'
  fi
}
if [ -z "${JAVA_HOME:-}" ] || ! jdk_is_25 "$JAVA_HOME"; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64; do
    if jdk_is_25 "$candidate"; then
      JAVA_HOME="$candidate"
      break
    fi
  done
fi
if [ -z "${JAVA_HOME:-}" ] || ! jdk_is_25 "$JAVA_HOME"; then
  echo "weft: JDK 25 or newer is required; set JAVA_HOME to one" >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
# Maven's bundled Guava still uses sun.misc.Unsafe; keep JDK 25 from warning about it on every build.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
