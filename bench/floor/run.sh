#!/usr/bin/env bash
# The memory under a proxy that is not Weft's (issue 12): io.weft.bench.FloorProbe at four levels —
# the JVM alone; + the JDK's TLS 1.3 (ECDSA P-256, client certificates) echoing on loopback; Pekko's
# actor system and a stream with the proxy's settings; both — each busy at 1,000 events a second, in a
# JVM with the proxy's options (weft-proxy.options, -Xmx64m, MALLOC_ARENA_MAX as bin/proxy-jvm.sh)
# and the proxy's class path. For each level a training run writes the level's own AOT cache, then a
# run from that cache is measured after SECONDS: VmRSS, its anonymous part, the AOT cache's pages
# (and how many of them are written, so private), libjvm's, the rest (of which the Java heap's
# committed size is given apart: it is part of "other" and of the anonymous pages) and the classes loaded.
# Called by `bench/run floor [SECONDS]` (default 15); FLOOR_JAVA_OPTS adds JVM options, FLOOR_LEVELS picks
# levels (default "jvm jvm+tls pekko pekko+tls"). Results: bench/floor/results-<date>.txt.
set -euo pipefail
WEFT_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$WEFT_HOME/bin/jdk.sh"
source "$WEFT_HOME/bin/proxy-jvm.sh"
settle="${1:-15}"
work="$(mktemp -d /tmp/weft-floor.XXXXXX)"
out="$WEFT_HOME/bench/floor/results-$(date -u +%Y%m%dT%H%M%SZ).txt"
pid=""
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; }
trap cleanup EXIT

"$WEFT_HOME/bin/weft" version > /dev/null # builds the proxy's class path list once
bench_jar=$(ls "$WEFT_HOME"/bench/target/weft-bench-*.jar | grep -v -- '-tests\.jar$' | head -1)
classpath="$bench_jar:$(proxy_classpath)"
password=floor-probe
"$JAVA_HOME/bin/keytool" -genkeypair -keyalg EC -groupname secp256r1 -alias floor -dname CN=floor -validity 2 \
  -storetype PKCS12 -keystore "$work/floor.p12" -storepass "$password" > /dev/null 2>&1

start() { # level aot-option
  "$JAVA_HOME/bin/java" @"$WEFT_HOME/proxy/src/main/jvm/weft-proxy.options" -Xmx64m ${FLOOR_JAVA_OPTS:-} "$2" -cp "$classpath" \
    io.weft.bench.FloorProbe "$1" --keystore "$work/floor.p12" --password "$password" > "$work/$1.out" 2>&1 &
  pid=$!
  until grep -q '^ready$' "$work/$1.out"; do
    kill -0 "$pid" 2>/dev/null || { echo "FloorProbe $1 stopped before it was ready:" >&2; cat "$work/$1.out" >&2; exit 1; }
    sleep 0.1
  done
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
mib() { echo $(( ($1 + 512) / 1024 )); }

{
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, commit $(git -C "$WEFT_HOME" rev-parse --short HEAD); each level measured ${settle}s after it was ready, from its own AOT cache${FLOOR_JAVA_OPTS:+; JVM options added: $FLOOR_JAVA_OPTS}"
  printf '%-9s %8s %8s %14s %10s %10s %9s %8s\n' level rss_mib anon_mib aot_mib[written] libjvm_mib other_mib heap_mib classes
} | tee "$out"
for level in ${FLOOR_LEVELS:-jvm jvm+tls pekko pekko+tls}; do
  start "$level" "-XX:AOTCacheOutput=$work/$level.aot"; sleep "$settle"; stop # training: the cache is written at exit
  start "$level" "-XX:AOTCache=$work/$level.aot"; sleep "$settle"
  read -r rss anon < <(awk '/^VmRSS:/{r=$2} /^RssAnon:/{a=$2} END{print r, a}' "/proc/$pid/status")
  read -r aot aot_written libjvm < <(awk -v aot="$work/$level.aot" '
    /^[0-9a-f]+-[0-9a-f]+ / {name=$6}
    /^Rss:/ {if (name==aot) c+=$2; if (name ~ /libjvm\.so$/) j+=$2}
    /^Anonymous:/ {if (name==aot) w+=$2}
    END {print c+0, w+0, j+0}' "/proc/$pid/smaps")
  heap=$("$JAVA_HOME/bin/jcmd" "$pid" GC.heap_info | awk '/ space [0-9]+K/ {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+K,?$/) {sub(/K,?/, "", $i); k+=$i; break}} END {print k+0}')
  classes=$(( $("$JAVA_HOME/bin/jcmd" "$pid" VM.class_hierarchy | grep -c -- "--") + 1 )) # + java.lang.Object
  stop
  printf '%-9s %8s %8s %9s[%3s] %10s %10s %9s %8s\n' "$level" "$(mib "$rss")" "$(mib "$anon")" "$(mib "$aot")" "$(mib "$aot_written")" \
    "$(mib "$libjvm")" "$(mib $((rss - aot - libjvm)))" "$(mib "$heap")" "$classes" | tee -a "$out"
done
echo "results: $out"
