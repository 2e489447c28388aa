# Sourced by bin/weft (and the proxy image's entrypoint): what a proxy's JVM needs beyond
# proxy/src/main/jvm/weft-proxy.options, decided when it starts.

# glibc's per-thread malloc arenas are most of a small JVM's unaccounted memory: two are plenty.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

# The heap: 40 % of the container's memory limit when it has one (the JVM reads the limit itself),
# otherwise 64 MiB. WEFT_JAVA_OPTS given later can still say otherwise.
proxy_heap() {
  local limit=""
  if [ -r /sys/fs/cgroup/memory.max ]; then limit=$(cat /sys/fs/cgroup/memory.max)
  elif [ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then limit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)
  fi
  # cgroup v1 says "no limit" with a huge number.
  if [ -n "$limit" ] && [ "$limit" != max ] && [ "$limit" -lt 68719476736 ] 2>/dev/null; then
    echo "-XX:MaxRAMPercentage=40"
  else
    echo "-Xmx64m"
  fi
}

# JDK 25's ahead-of-time cache (JEP 483/514/515): classes loaded and linked, and method profiles,
# from a training run. WEFT_PROXY_AOT_CACHE names the file: used when it exists; when it does not,
# this run is the training run and writes it at exit.
proxy_aot_cache() {
  [ -n "${WEFT_PROXY_AOT_CACHE:-}" ] || return 0
  if [ -f "$WEFT_PROXY_AOT_CACHE" ]; then
    echo "-XX:AOTCache=$WEFT_PROXY_AOT_CACHE"
  else
    echo "-XX:AOTCacheOutput=$WEFT_PROXY_AOT_CACHE"
  fi
}

# From a source tree (bin/weft proxy, bench/run floor): the proxy's class path — jars only (the AOT
# cache refuses class directories), its own as the build left it, then its dependencies' list that
# bin/weft's build writes.
proxy_classpath() {
  local jar
  jar=$(ls "$WEFT_HOME"/proxy/target/weft-proxy-*.jar | grep -v -- '-tests\.jar$' | head -1)
  echo "$jar:$(cat "$WEFT_HOME/proxy/target/proxy.classpath")"
}
