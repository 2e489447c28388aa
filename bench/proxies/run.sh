#!/usr/bin/env bash
# The proxy benchmark (issue 12), all in one run on this machine: for HTTP/1.1, h2c and gRPC, the
# C load generators (wrk for HTTP/1.1 throughput, hey at a fixed 1,000 req/s for HTTP/1.1 latency,
# h2load for h2c and gRPC throughput) beside Weft's Java driver (open loop, no coordinated
# omission), against: direct (no proxy), an haproxy pair and an nginx pair with mTLS between the
# two (TLS 1.3, ECDSA P-256, as the mesh does; nginx has no HTTP/2 upstream, so HTTP/1.1 only),
# and the Weft pair plain and with mesh mTLS. Each proxy is its own process; reported per row:
# p50/p90/p99 at 1,000 req/s, maximum req/s, non-2xx answers, CPU seconds per 100k requests of
# each proxy (A = the client side, B = the server side; the fair measure when everything shares
# two cores), RSS of each proxy at 1,000 req/s (and its anonymous part), and a Weft proxy's start to /ready.
# Called by `bench/run proxies [SECONDS]`; needs wrk, hey, h2load (nghttp2-client), haproxy, nginx-light, openssl.
# BENCH_PROTOCOLS (default "http1 h2 grpc"), BENCH_PAIRS (default "direct haproxy nginx weft weft-mtls"),
# BENCH_WARMUP (seconds of discarded full-speed load per protocol before a Weft pair's rows, default 20),
# BENCH_TOOLS (default "c java": the C load generators, the Java driver), BENCH_HANDSHAKES=0 (skip the mesh TLS handshake rate),
# BENCH_JFR=1 (a flight recording of each Weft proxy), BENCH_PROXY_CORES (the Weft proxies' LINKERD2_PROXY_CORES), WEFT_PROXY_OPTS (JVM options of the Weft proxies).
# Each Weft proxy's first run records JDK 25's AOT cache (WEFT_PROXY_AOT_CACHE, see bin/proxy-jvm.sh); later ones start from it.
# Results: bench/proxies/results-<date>.txt.
set -euo pipefail
WEFT_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$WEFT_HOME/bin/jdk.sh"
duration="${1:-20}"
warmup="${BENCH_WARMUP:-20}"
work="$(mktemp -d /tmp/weft-bench.XXXXXX)"
out="$WEFT_HOME/bench/proxies/results-$(date -u +%Y%m%dT%H%M%SZ).txt"
ticks_per_s=$(getconf CLK_TCK)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
for tool in wrk hey h2load haproxy nginx openssl; do
  command -v "$tool" > /dev/null || { echo "bench/run proxies needs $tool (apt-get install wrk hey nghttp2-client haproxy nginx-light openssl)" >&2; exit 2; }
done

BACKEND=127.0.20.2:8080        # the application: nginx answering a fixed 23-byte body (HTTP/1.1)
BACKEND_H2=127.0.20.2:8081     # the same over h2c (prior knowledge)
BACKEND_GRPC=127.0.20.2:8082   # grpc-java's interop server (unary EmptyCall)
WEFT_OUT=127.0.20.1:4140       # the client pod's outbound proxy
AUTHORITY=bench.bench.svc.cluster.local:80
AUTHORITY_H2=bench.bench.svc.cluster.local:81
AUTHORITY_GRPC=bench.bench.svc.cluster.local:82
GRPC_METHOD=/grpc.testing.TestService/EmptyCall
printf '\0\0\0\0\0' > "$work/empty-call.bin" # a gRPC frame carrying an empty message

# --- certificates for the reference pairs: ECDSA P-256, TLS 1.3 only, each side verifies the other
openssl_quiet() { openssl "$@" 2>/dev/null; }
openssl_quiet req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/ca.key" -out "$work/ca.crt" \
  -subj /CN=bench-ca -days 2
for side in a b; do
  openssl_quiet req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/$side.key" -out "$work/$side.csr" -subj "/CN=$side"
  printf 'subjectAltName=DNS:%s\n' "$side" > "$work/$side.ext"
  openssl_quiet x509 -req -in "$work/$side.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
    -extfile "$work/$side.ext" -out "$work/$side.crt"
  cat "$work/$side.crt" "$work/$side.key" > "$work/$side.pem"
done

# --- the application --------------------------------------------------------------------------
nginx_conf() { # name, http block body
  cat > "$work/nginx-$1.conf" <<NGINX
master_process off;
worker_processes 1;
pid $work/nginx-$1.pid;
error_log $work/nginx-$1-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  $2
}
NGINX
}
nginx_conf backend "
  server { listen $BACKEND; location / { return 200 \"hello from the backend\n\"; } }
  server { listen $BACKEND_H2 http2; location / { return 200 \"hello from the backend\n\"; } }"
nginx -c "$work/nginx-backend.conf" -g 'daemon off;' & pids+=($!)
"$JAVA_HOME/bin/java" -Xmx256m --sun-misc-unsafe-memory-access=allow -cp "$(cat "$WEFT_HOME/grpc-interop/target/interop.classpath")" \
  io.grpc.testing.integration.TestServiceServer --port="${BACKEND_GRPC##*:}" --use_tls=false \
  > "$work/grpc-backend.log" 2>&1 & pids+=($!)

# --- the haproxy pair: A (127.0.21.1) → mTLS → B (127.0.21.2) → the application, one process each
haproxy_tls_server="ssl crt $work/a.pem ca-file $work/ca.crt verify required verifyhost b sni str(b) ssl-min-ver TLSv1.3"
haproxy_tls_bind="ssl crt $work/b.pem ca-file $work/ca.crt verify required ssl-min-ver TLSv1.3"
haproxy_common="global
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  http-reuse always"
cat > "$work/haproxy-a.cfg" <<HAPROXY
$haproxy_common
frontend http1
  bind 127.0.21.1:10001
  default_backend http1
backend http1
  server b 127.0.21.2:10002 $haproxy_tls_server
frontend h2
  bind 127.0.21.1:10011 proto h2
  default_backend h2
backend h2
  server b 127.0.21.2:10012 $haproxy_tls_server alpn h2
frontend grpc
  bind 127.0.21.1:10021 proto h2
  default_backend grpc
backend grpc
  server b 127.0.21.2:10022 $haproxy_tls_server alpn h2
HAPROXY
cat > "$work/haproxy-b.cfg" <<HAPROXY
$haproxy_common
frontend http1
  bind 127.0.21.2:10002 $haproxy_tls_bind
  default_backend http1
backend http1
  server app $BACKEND
frontend h2
  bind 127.0.21.2:10012 $haproxy_tls_bind alpn h2
  default_backend h2
backend h2
  server app $BACKEND_H2 proto h2
frontend grpc
  bind 127.0.21.2:10022 $haproxy_tls_bind alpn h2
  default_backend grpc
backend grpc
  server app $BACKEND_GRPC proto h2
HAPROXY
haproxy -f "$work/haproxy-a.cfg" -db & pids+=($!); haproxy_a=$!
haproxy -f "$work/haproxy-b.cfg" -db & pids+=($!); haproxy_b=$!

# --- the nginx pair: A (127.0.22.1) → mTLS → B (127.0.22.2) → the application (HTTP/1.1)
nginx_conf a "
  upstream b { server 127.0.22.2:10004; keepalive 64; keepalive_requests 10000000; }
  server { listen 127.0.22.1:10003; location / { proxy_pass https://b; proxy_http_version 1.1; proxy_set_header Connection \"\";
    proxy_ssl_certificate $work/a.crt; proxy_ssl_certificate_key $work/a.key; proxy_ssl_trusted_certificate $work/ca.crt;
    proxy_ssl_verify on; proxy_ssl_name b; proxy_ssl_server_name on; proxy_ssl_protocols TLSv1.3; proxy_ssl_session_reuse on; } }"
nginx_conf b "
  upstream app { server $BACKEND; keepalive 64; keepalive_requests 10000000; }
  server { listen 127.0.22.2:10004 ssl; ssl_certificate $work/b.crt; ssl_certificate_key $work/b.key;
    ssl_client_certificate $work/ca.crt; ssl_verify_client on; ssl_protocols TLSv1.3;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
nginx -c "$work/nginx-a.conf" -g 'daemon off;' & pids+=($!); nginx_a=$!
nginx -c "$work/nginx-b.conf" -g 'daemon off;' & pids+=($!); nginx_b=$!

# --- Weft: control plane on a local cluster, the server pod's inbound proxy, the client's outbound
mkdir -p "$work/cluster"
cat > "$work/cluster/bench.yaml" <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: bench, annotations: {linkerd.io/inject: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: bench, namespace: bench}
spec:
  selector: {app: bench}
  ports: [{name: http, port: 80, targetPort: http}, {name: h2, port: 81, targetPort: h2}, {name: grpc, port: 82, targetPort: grpc}]
---
apiVersion: v1
kind: Pod
metadata: {name: bench-0, namespace: bench, labels: {app: bench}}
spec: {containers: [{name: app, ports: [{name: http, containerPort: 8080}, {name: h2, containerPort: 8081}, {name: grpc, containerPort: 8082}]}]}
status: {podIP: 127.0.20.2, phase: Running, conditions: [{type: Ready, status: "True"}]}
YAML
"$WEFT_HOME/bin/weft" version >/dev/null # builds once, before anything is timed
"$WEFT_HOME/bin/weft" identity create --out "$work/pki" > /dev/null
token() { "$WEFT_HOME/bin/weft" identity token -n bench --service-account "$1" --key-file "$work/token.key" > "$work/$1.token"; }
token default; token client

jfr_opts=""
if [ "${BENCH_JFR:-0}" = 1 ]; then jfr_opts="-XX:StartFlightRecording=settings=profile,dumponexit=true,filename"; fi
weft_pids=()
start_weft() { # mode: plain | mtls
  local identity_cp=() identity_in=() identity_out=()
  if [ "$1" = mtls ]; then
    identity_cp=(--identity-trust-anchors-file "$work/pki/ca.crt" --identity-issuer-certificate-file "$work/pki/issuer.crt"
      --identity-issuer-key-file "$work/pki/issuer.key")
    local common=(LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS="$(cat "$work/pki/ca.crt")" LINKERD2_PROXY_IDENTITY_SVC_ADDR=127.0.0.1:18086)
    identity_in=("${common[@]}" LINKERD2_PROXY_IDENTITY_LOCAL_NAME=default.bench.serviceaccount.identity.linkerd.cluster.local
      LINKERD2_PROXY_IDENTITY_TOKEN_FILE="$work/default.token")
    identity_out=("${common[@]}" LINKERD2_PROXY_IDENTITY_LOCAL_NAME=client.bench.serviceaccount.identity.linkerd.cluster.local
      LINKERD2_PROXY_IDENTITY_TOKEN_FILE="$work/client.token")
  fi
  WEFT_JAVA_OPTS="-Dweft.local-cluster.token-key-file=$work/token.key" "$WEFT_HOME/bin/weft" control-plane \
    --local-cluster "$work/cluster" --destination-port 18086 --cluster-port 0 "${identity_cp[@]}" \
    > "$work/control-plane-$1.log" 2>&1 & pids+=($!); weft_pids+=($!)
  until curl -s -o /dev/null "http://127.0.0.1:18086" 2>/dev/null; do sleep 0.2; done
  # A pod's proxy starts against a control plane that has been serving for a while; this one started a
  # moment ago and would still be compiling its identity and discovery paths while the first timed
  # proxy asks them. One proxy started and stopped first takes that (its time is printed, not a result).
  start_proxy warm-up 127.0.20.3 "$1" "${identity_out[@]}"; kill "$proxy_pid"; wait "$proxy_pid" 2>/dev/null || true
  start_proxy inbound 127.0.20.2 "$1" "${identity_in[@]}"; weft_b=$proxy_pid
  start_proxy outbound 127.0.20.1 "$1" "${identity_out[@]}"; weft_a=$proxy_pid
  until curl -sf -o /dev/null -H "l5d-dst-override: $AUTHORITY" "http://$WEFT_OUT/"; do sleep 0.2; done
}
stop_weft() {
  for p in "${weft_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  weft_pids=()
}
start_proxy() { # name ip mode [identity environment...]
  local name=$1 ip=$2 mode=$3 started; shift 3; started=$(date +%s%N)
  env LINKERD2_PROXY_INBOUND_LISTEN_ADDR="$ip:4143" LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR="$ip:4140" \
      LINKERD2_PROXY_ADMIN_LISTEN_ADDR="$ip:4191" LINKERD2_PROXY_CONTROL_LISTEN_ADDR="$ip:4190" \
      LINKERD2_PROXY_DESTINATION_SVC_ADDR=127.0.0.1:18086 ${BENCH_PROXY_CORES:+LINKERD2_PROXY_CORES=$BENCH_PROXY_CORES} "$@" \
      WEFT_JAVA_OPTS="${WEFT_PROXY_OPTS:-} ${jfr_opts:+$jfr_opts=$work/$name-$mode.jfr}" WEFT_PROXY_AOT_CACHE="$(aot_cache_of "$name")" \
      "$WEFT_HOME/bin/weft" proxy > "$work/proxy-$name-$mode.log" 2>&1 & pids+=($!); weft_pids+=($!)
  proxy_pid=$!
  until curl -sf -o /dev/null "http://$ip:4191/ready"; do sleep 0.05; done
  echo "weft proxy $name ($mode): start to /ready $(( ($(date +%s%N) - started) / 1000000 )) ms (JVM start included$(
    [ "$mode" = mtls ] && echo ", certificate obtained")$( cache=$(aot_cache_of "$name"); [ -z "$cache" ] && echo ", no AOT cache" || { [ -f "$cache" ] && echo ", AOT cache" || echo ", training the AOT cache"; })$(
    [ "$name" = warm-up ] && echo "; warming the control plane up, not a result"))" | tee -a "$out"
}
aot_cache_of() { # name: the warm-up proxy uses the outbound's cache once there is one and never trains its own
  if [ "$1" != warm-up ]; then echo "$work/$1.aot"; elif [ -f "$work/outbound.aot" ]; then echo "$work/outbound.aot"; fi
}
for target in "$BACKEND" 127.0.21.1:10001 127.0.22.1:10003; do
  until curl -sf -o /dev/null "http://$target/"; do sleep 0.1; done
done
until (exec 3<>"/dev/tcp/${BACKEND_GRPC%%:*}/${BACKEND_GRPC##*:}") 2>/dev/null; do sleep 0.2; done

# --- measuring --------------------------------------------------------------------------------
mvn -q -B -pl bench dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -DincludeScope=runtime -f "$WEFT_HOME/pom.xml"
driver() {
  "$JAVA_HOME/bin/java" -Xmx1g -XX:+UseCompactObjectHeaders --sun-misc-unsafe-memory-access=allow \
    -cp "$WEFT_HOME/bench/target/classes:$(cat "$WEFT_HOME/bench/target/bench.classpath")" io.weft.bench.LoadDriver \
    --duration "${duration}s" --warmup 2s "$@" 2>/dev/null
}
cpu_ticks() { local p; for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat"; done; }
# Read and write system calls so far of each process, as "reads:writes".
syscalls() { local p; for p in "$@"; do awk '/^syscr/ {r = $2} /^syscw/ {w = $2} END {print r ":" w}' "/proc/$p/io"; done; }
# Reads and writes per request of each process between two syscalls samples (how well a proxy batches).
# Linux counts read(2)/write(2) and their vector forms, which the JDK uses; haproxy's recv/send are not
# counted, so its columns say "-".
syscalls_per_request() { # requests "before" "after"
  local requests=$1; local -a before=($2) after=($3); local i result=""
  for i in "${!before[@]}"; do
    result+=$(awk -v b="${before[$i]}" -v a="${after[$i]}" -v n="$requests" 'BEGIN {
      split(b, x, ":"); split(a, y, ":"); r = y[1] - x[1]; w = y[2] - x[2]
      if (n > 0 && r + w > 0) printf "%.2f/%.2f ", r / n, w / n; else printf "- " }')
  done
  echo "${result% }"
}
# VmRSS, and in parentheses its anonymous part (the process's own; the rest is file pages, such as
# the JDK's libraries and the AOT cache, which every proxy on a node shares in the page cache).
rss_mib() { local p; for p in "$@"; do awk '/VmRSS/ {r = $2} /RssAnon/ {a = $2} END {printf "%d(%d) ", r / 1024, a / 1024}' "/proc/$p/status"; done; }
# CPU seconds per 100k requests of each process, from tick counts before and after.
cpu_per_100k() { # requests "before ticks" "after ticks"
  local requests=$1; local -a before=($2) after=($3); local i result=""
  for i in "${!before[@]}"; do
    result+=$(awk -v b="${before[$i]}" -v a="${after[$i]}" -v n="$requests" -v hz="$ticks_per_s" \
      'BEGIN { if (n > 0) printf "%.2f ", (a - b) / hz * 100000 / n; else printf "- " }')
  done
  echo "${result% }"
}
syscalls_row() { # requests "before" "after" procs...: under a row of proxies, their reads and writes per request
  [ $# -gt 3 ] || return 0
  echo "      reads/writes per request [A B]: $(syscalls_per_request "$1" "$2" "$3")" | tee -a "$out"
}
row() { # protocol target tool rate achieved p50 p90 p99 non2xx cpu rss
  printf '%-5s %-10s %-7s %5s %9s %8s %8s %8s %7s  cpu/100k[%s]  rss_mib[%s]\n' "$@" | tee -a "$out"
}
echo "$(date -u +%FT%TZ) $(nproc) cores, commit $(git -C "$WEFT_HOME" rev-parse --short HEAD); load generators, proxies and backend share this machine; ${duration}s per row${WEFT_PROXY_OPTS:+; JVM options added to the Weft proxies: $WEFT_PROXY_OPTS}" | tee -a "$out"
printf '%-5s %-10s %-7s %5s %9s %8s %8s %8s %7s  %s\n' proto target tool rate req/s p50_ms p90_ms p99_ms non2xx "cpu s per 100k req [A B]  rss MiB at 1k req/s [A B] (anonymous)" | tee -a "$out"

measure() { # protocol label url header procs...
  local protocol=$1 label=$2 url=$3 header=$4; shift 4; local procs=("$@")
  local before after calls_before calls_after text requests rate non2xx p50 p90 p99 rss="" line
  if [[ " ${BENCH_TOOLS:-c java} " != *" c "* ]]; then
    flags=(--header "$header"); [ "$protocol" = grpc ] && flags+=(--grpc --connections 4); [ "$protocol" = h2 ] && flags+=(--http2 --connections 4)
  elif [ "$protocol" = http1 ]; then
    before=$(cpu_ticks "${procs[@]}" | tr '\n' ' '); calls_before=$(syscalls "${procs[@]}" | tr '\n' ' ')
    text=$(wrk -t2 -c32 -d"${duration}s" -H "$header" "$url")
    after=$(cpu_ticks "${procs[@]}" | tr '\n' ' '); calls_after=$(syscalls "${procs[@]}" | tr '\n' ' ')
    requests=$(awk '/requests in/ {print $1}' <<< "$text")
    rate=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<< "$text")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<< "$text"); non2xx=${non2xx:-0}
    if grep -q 'Socket errors' <<< "$text"; then non2xx="$non2xx+$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' <<< "$text")err"; fi
    row http1 "$label" wrk max "$rate" - - - "$non2xx" "$(cpu_per_100k "$requests" "$before" "$after")" ""
    syscalls_row "$requests" "$calls_before" "$calls_after" "${procs[@]}"
    ( sleep $(( duration / 2 )); rss_mib "${procs[@]}" > "$work/rss" ) &
    text=$(hey -z "${duration}s" -c 20 -q 50 -H "$header" "$url")
    wait $!
    rss=$(cat "$work/rss" 2>/dev/null || true)
    p50=$(awk '/ 50% in/ {printf "%.2f", $3 * 1000}' <<< "$text"); p90=$(awk '/ 90% in/ {printf "%.2f", $3 * 1000}' <<< "$text")
    p99=$(awk '/ 99% in/ {printf "%.2f", $3 * 1000}' <<< "$text")
    requests=$(awk '/\[200\]/ {print $2}' <<< "$text"); rate=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<< "$text")
    non2xx=$(awk '/^  \[[0-9]+\]/ && $1 != "[200]" {n += $2} /Error distribution/ {e = 1} e && /^  \[[0-9]+\]/ {n += $2} END {print n + 0}' <<< "$text")
    row http1 "$label" hey 1000 "$rate" "$p50" "$p90" "$p99" "$non2xx" "" "${rss% }"
    flags=(--header "$header")
  else
    local extra=() path=/
    if [ "$protocol" = grpc ]; then extra=(-d "$work/empty-call.bin" -H 'content-type: application/grpc' -H 'te: trailers'); fi
    before=$(cpu_ticks "${procs[@]}" | tr '\n' ' '); calls_before=$(syscalls "${procs[@]}" | tr '\n' ' ')
    text=$(h2load -c4 -m32 -t1 -D "$duration" -H "$header" "${extra[@]}" "$url" 2>&1)
    after=$(cpu_ticks "${procs[@]}" | tr '\n' ' '); calls_after=$(syscalls "${procs[@]}" | tr '\n' ' ')
    requests=$(awk '/^requests:/ {print $8}' <<< "$text")
    rate=$(awk '/^finished in/ {printf "%.0f", $4}' <<< "$text")
    non2xx=$(awk '/^status codes:/ {gsub(",", ""); print $5 + $7 + $9} ' <<< "$text")
    non2xx=$(( ${non2xx:-0} + $(awk '/^requests:/ {print $12 + $14}' <<< "$text") ))
    row "$protocol" "$label" h2load max "$rate" - - - "$non2xx" "$(cpu_per_100k "$requests" "$before" "$after")" ""
    syscalls_row "$requests" "$calls_before" "$calls_after" "${procs[@]}"
    flags=(--connections 4 --header "$header"); [ "$protocol" = grpc ] && flags+=(--grpc) || flags+=(--http2)
  fi
  # The Java driver: maximum (64 outstanding) and open loop at 1,000 req/s.
  [[ " ${BENCH_TOOLS:-c java} " == *" java "* ]] || return 0
  before=$(cpu_ticks "${procs[@]}" | tr '\n' ' ')
  line=$(driver --url "$url" --rate 0 --label "$label" "${flags[@]}")
  after=$(cpu_ticks "${procs[@]}" | tr '\n' ' ')
  requests=$(grep -o 'completed=[0-9]*' <<< "$line" | cut -d= -f2)
  row "$protocol" "$label" java max "$(grep -o 'achieved=[0-9]*' <<< "$line" | cut -d= -f2)" - - - \
    "$(grep -o 'errors=[0-9]*' <<< "$line" | cut -d= -f2)" "$(cpu_per_100k "${requests:-0}" "$before" "$after")" ""
  ( sleep $(( duration / 2 )); rss_mib "${procs[@]}" > "$work/rss" ) &
  line=$(driver --url "$url" --rate 1000 --label "$label" "${flags[@]}")
  wait $!
  rss=$(cat "$work/rss" 2>/dev/null || true)
  row "$protocol" "$label" java 1000 "$(grep -o 'achieved=[0-9]*' <<< "$line" | cut -d= -f2)" \
    "$(grep -o 'p50=[0-9.]*' <<< "$line" | cut -d= -f2)" "$(grep -o 'p90=[0-9.]*' <<< "$line" | cut -d= -f2)" \
    "$(grep -o 'p99=[0-9.]*' <<< "$line" | cut -d= -f2)" "$(grep -o 'errors=[0-9]*' <<< "$line" | cut -d= -f2)" "" "${rss% }"
}

url_of() { # protocol target
  case "$1:$2" in
    http1:direct) echo "http://$BACKEND/" ;; h2:direct) echo "http://$BACKEND_H2/" ;; grpc:direct) echo "http://$BACKEND_GRPC$GRPC_METHOD" ;;
    http1:haproxy) echo "http://127.0.21.1:10001/" ;; h2:haproxy) echo "http://127.0.21.1:10011/" ;;
    grpc:haproxy) echo "http://127.0.21.1:10021$GRPC_METHOD" ;;
    http1:nginx) echo "http://127.0.22.1:10003/" ;;
    http1:weft*|h2:weft*) echo "http://$WEFT_OUT/" ;; grpc:weft*) echo "http://$WEFT_OUT$GRPC_METHOD" ;;
  esac
}
header_of() { case "$1" in http1) echo "l5d-dst-override: $AUTHORITY" ;; h2) echo "l5d-dst-override: $AUTHORITY_H2" ;; grpc) echo "l5d-dst-override: $AUTHORITY_GRPC" ;; esac; }
run_target() { # label procs...
  local label=$1 protocol url; shift
  for protocol in ${BENCH_PROTOCOLS:-http1 h2 grpc}; do
    url=$(url_of "$protocol" "$label"); [ -n "$url" ] || continue
    measure "$protocol" "$label" "$url" "$(header_of "$protocol")" "$@"
  done
}
warm_weft() { # label: each protocol at full speed, discarded
  local protocol flags
  for protocol in ${BENCH_PROTOCOLS:-http1 h2 grpc}; do
    flags=(--http2); [ "$protocol" = grpc ] && flags=(--grpc); [ "$protocol" = http1 ] && flags=()
    driver --url "$(url_of "$protocol" "$1")" --rate 0 --header "$(header_of "$protocol")" "${flags[@]}" --duration "${warmup}s" > /dev/null || true
  done
}
if [[ " ${BENCH_PAIRS:-weft} " == *" weft"* ]]; then
  # The AOT training run: a pair with identity (as every meshed pod's proxy has) that carries every
  # protocol, then stops and writes each proxy's cache.
  echo "AOT training run (not measured):" | tee -a "$out"
  start_weft mtls; warm_weft weft-mtls; stop_weft
fi
for label in ${BENCH_PAIRS:-direct haproxy nginx weft weft-mtls}; do
  case "$label" in
    direct) run_target direct ;;
    haproxy) run_target haproxy "$haproxy_a" "$haproxy_b" ;;
    nginx) run_target nginx "$nginx_a" "$nginx_b" ;;
    weft|weft-mtls)
      mode=plain; [ "$label" = weft-mtls ] && mode=mtls
      start_weft "$mode"
      # A freshly started JVM is still compiling its hot paths: warm each protocol up at full speed first (discarded).
      warm_weft "$label"
      run_target "$label" "$weft_a" "$weft_b"
      if [ "$mode" = mtls ] && [ "${BENCH_HANDSHAKES:-1}" = 1 ]; then
        "$JAVA_HOME/bin/java" -Xmx256m -cp "$WEFT_HOME/bench/target/classes:$(cat "$WEFT_HOME/bench/target/bench.classpath")" \
          io.weft.bench.HandshakeDriver --target 127.0.20.2:4143 --server-name default.bench.serviceaccount.identity.linkerd.cluster.local \
          --duration "${duration}s" | tee -a "$out"
      fi
      stop_weft ;;
  esac
done
if [ -n "$jfr_opts" ]; then
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  mkdir -p "$WEFT_HOME/bench/proxies/jfr" && cp "$work"/*.jfr "$WEFT_HOME/bench/proxies/jfr/" && echo "flight recordings: bench/proxies/jfr/"
fi
echo "results: $out"
