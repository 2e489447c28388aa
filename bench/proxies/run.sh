#!/usr/bin/env bash
# Latency and throughput through a Weft proxy pair against a direct connection, an haproxy pair and
# an nginx pair doing the same job, all on loopback on this machine; RSS of a Weft proxy at 1,000 RPS;
# time from start to /ready. Called by `bench/run proxies [DURATION_SECONDS]`; needs haproxy and nginx
# (apt-get install haproxy nginx-light). Results: bench/proxies/results-<date>.txt.
# BENCH_PROTOCOLS (default "http1 h2 grpc"; grpc: unary calls to grpc-java's interop server), BENCH_RATES (default "1000 5000 0", 0 = maximum throughput)
# and BENCH_PAIRS (default "direct weft weft-mtls haproxy nginx"; nginx has no h2c upstream) narrow a run; BENCH_JFR=1 records a flight recording of each Weft proxy.
# weft is the pair with identity off (plaintext between the proxies), weft-mtls the same pair with identity on (mTLS); the mTLS
# round also measures mesh TLS handshakes per second against the inbound proxy. Each Weft pair is warmed up first
# (BENCH_WARMUP seconds per protocol at full speed, default 20, discarded).
set -euo pipefail
WEFT_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$WEFT_HOME/bin/jdk.sh"
duration="${1:-20}"
warmup="${BENCH_WARMUP:-20}" # seconds of discarded full-speed load per protocol before a Weft pair's rows
work="$(mktemp -d /tmp/weft-bench.XXXXXX)"
out="$WEFT_HOME/bench/proxies/results-$(date -u +%Y%m%dT%H%M%SZ).txt"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

BACKEND=127.0.20.2:8080        # the application: nginx answering a fixed body (HTTP/1.1)
BACKEND_H2=127.0.20.2:8081     # the same over h2c (prior knowledge)
BACKEND_GRPC=127.0.20.2:8082   # grpc-java's interop server (unary EmptyCall)
WEFT_OUT=127.0.20.1:4140       # the client pod's outbound proxy
HAPROXY_IN=127.0.21.1:10001    # haproxy pair: 127.0.21.1 -> 127.0.21.2 -> backend
HAPROXY_H2_IN=127.0.21.1:10011 # the same pair speaking h2c on every hop
HAPROXY_GRPC_IN=127.0.21.1:10021 # and to the gRPC backend
NGINX_IN=127.0.22.1:10003      # nginx pair: 127.0.22.1 -> 127.0.22.2 -> backend
AUTHORITY=bench.bench.svc.cluster.local:80
AUTHORITY_H2=bench.bench.svc.cluster.local:81
AUTHORITY_GRPC=bench.bench.svc.cluster.local:82
GRPC_METHOD=/grpc.testing.TestService/EmptyCall

# --- the application and the two reference pairs --------------------------------------------
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  upstream pair_b { server 127.0.22.2:10004; keepalive 64; keepalive_requests 10000000; }
  upstream backend { server $BACKEND; keepalive 64; keepalive_requests 10000000; }
  server { listen $BACKEND; location / { return 200 "hello from the backend\n"; } }
  server { listen $BACKEND_H2 http2; location / { return 200 "hello from the backend\n"; } }
  server { listen $NGINX_IN; location / { proxy_pass http://pair_b; proxy_http_version 1.1; proxy_set_header Connection ""; } }
  server { listen 127.0.22.2:10004; location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
NGINX
nginx -c "$work/nginx.conf" -g 'daemon off;' & pids+=($!)

cat > "$work/haproxy.cfg" <<HAPROXY
global
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  http-reuse always
frontend a
  bind $HAPROXY_IN
  default_backend to_b
backend to_b
  server b 127.0.21.2:10002
frontend b
  bind 127.0.21.2:10002
  default_backend to_app
backend to_app
  server app $BACKEND
frontend a2
  bind $HAPROXY_H2_IN proto h2
  default_backend to_b2
backend to_b2
  server b2 127.0.21.2:10012 proto h2
frontend b2
  bind 127.0.21.2:10012 proto h2
  default_backend to_app2
backend to_app2
  server app2 $BACKEND_H2 proto h2
frontend a3
  bind $HAPROXY_GRPC_IN proto h2
  default_backend to_b3
backend to_b3
  server b3 127.0.21.2:10022 proto h2
frontend b3
  bind 127.0.21.2:10022 proto h2
  default_backend to_app3
backend to_app3
  server app3 $BACKEND_GRPC proto h2
HAPROXY
"$JAVA_HOME/bin/java" -Xmx256m --sun-misc-unsafe-memory-access=allow -cp "$(cat "$WEFT_HOME/grpc-interop/target/interop.classpath")" \
  io.grpc.testing.integration.TestServiceServer --port="${BACKEND_GRPC##*:}" --use_tls=false \
  > "$work/grpc-backend.log" 2>&1 & pids+=($!)
haproxy -f "$work/haproxy.cfg" -db & pids+=($!)

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
# The mTLS pair's trust anchor, issuer and local-cluster token key (identity off for the plain pair).
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
  start_proxy "inbound" 127.0.20.2 "$1" "${identity_in[@]}"
  start_proxy "outbound" 127.0.20.1 "$1" "${identity_out[@]}"
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
      LINKERD2_PROXY_DESTINATION_SVC_ADDR=127.0.0.1:18086 "$@" \
      WEFT_JAVA_OPTS="-Xms64m -Xmx256m ${jfr_opts:+$jfr_opts=$work/$name-$mode.jfr}" \
      "$WEFT_HOME/bin/weft" proxy > "$work/proxy-$name-$mode.log" 2>&1 & pids+=($!); weft_pids+=($!)
  eval "${name}_pid=$!"
  until curl -sf -o /dev/null "http://$ip:4191/ready"; do sleep 0.05; done
  echo "weft proxy $name ($mode): start to /ready $(( ($(date +%s%N) - started) / 1000000 )) ms (JVM start included$(
    [ "$mode" = mtls ] && echo ", certificate obtained"))" | tee -a "$out"
}
for target in "$BACKEND" "$HAPROXY_IN" "$NGINX_IN"; do # (the h2c listeners share these processes)
  until curl -sf -o /dev/null "http://$target/"; do sleep 0.1; done
done
# (the gRPC server resets a plain GET, so its readiness is a TCP connect)
until (exec 3<>"/dev/tcp/${BACKEND_GRPC%%:*}/${BACKEND_GRPC##*:}") 2>/dev/null; do sleep 0.2; done

# --- the runs ----------------------------------------------------------------------------------
mvn -q -B -pl bench dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=runtime -f "$WEFT_HOME/pom.xml"
driver() {
  "$JAVA_HOME/bin/java" -Xmx1g -XX:+UseCompactObjectHeaders --sun-misc-unsafe-memory-access=allow \
    -cp "$WEFT_HOME/bench/target/classes:$(cat "$WEFT_HOME/bench/target/bench.classpath")" io.weft.bench.LoadDriver \
    --duration "${duration}s" "$@" 2>/dev/null
}
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
echo "$(date -u +%FT%TZ) $(nproc) cores; driver, proxies and backend share this machine; ${duration}s per run" | tee -a "$out"
declare -A address_of=([direct]=$BACKEND [weft]=$WEFT_OUT [haproxy]=$HAPROXY_IN [nginx]=$NGINX_IN)
declare -A h2_address_of=([direct]=$BACKEND_H2 [weft]=$WEFT_OUT [haproxy]=$HAPROXY_H2_IN)
declare -A grpc_address_of=([direct]=$BACKEND_GRPC [weft]=$WEFT_OUT [haproxy]=$HAPROXY_GRPC_IN)
run_rows() { # pairs...
for protocol in ${BENCH_PROTOCOLS:-http1 h2 grpc}; do
  for rate in ${BENCH_RATES:-1000 5000 0}; do
    for label in "$@"; do
      path=/
      target=${label%-mtls}
      if [ "$protocol" = grpc ]; then
        address="${grpc_address_of[$target]:-}"
        [ -n "$address" ] || continue
        path=$GRPC_METHOD
        flags=(--grpc --connections 4 --header "l5d-dst-override: $AUTHORITY_GRPC")
      elif [ "$protocol" = h2 ]; then
        address="${h2_address_of[$target]:-}"
        [ -n "$address" ] || continue # nginx cannot proxy plain HTTP/2 upstream
        flags=(--http2 --connections 4 --header "l5d-dst-override: $AUTHORITY_H2")
      else
        address="${address_of[$target]}"
        flags=(--header "l5d-dst-override: $AUTHORITY")
      fi
      if [ "$target" = weft ] && [ "$rate" = 1000 ] && [ "$protocol" = http1 ]; then
        ( sleep $(( duration / 2 + 5 )); echo "$label outbound proxy RSS at 1000 RPS: $(( $(rss_kib "$outbound_pid") / 1024 )) MiB (java, -Xmx256m); inbound: $(( $(rss_kib "$inbound_pid") / 1024 )) MiB" >> "$work/rss.txt" ) &
      fi
      driver --url "http://$address$path" --rate "$rate" --label "$label" "${flags[@]}" | tee -a "$out"
    done
  done
done
}
pairs=" ${BENCH_PAIRS:-direct weft weft-mtls haproxy nginx} "
others=$(echo $pairs | tr ' ' '\n' | grep -vx 'weft\|weft-mtls' | tr '\n' ' ' || true)
run_rows $others
for mode in plain mtls; do
  label=weft; [ "$mode" = mtls ] && label=weft-mtls
  [[ "$pairs" == *" $label "* ]] || continue
  start_weft "$mode"
  # A freshly started JVM is still compiling its hot paths: warm each protocol up at full speed
  # first (discarded), as a long-running proxy would be.
  for protocol in ${BENCH_PROTOCOLS:-http1 h2 grpc}; do
    BENCH_PROTOCOLS=$protocol BENCH_RATES=0 duration=$warmup out=/dev/null run_rows "$label" > /dev/null
  done
  run_rows "$label"
  if [ "$mode" = mtls ]; then
    # Mesh TLS handshakes the inbound proxy completes per second (clients without a certificate:
    # the proxy's side of the handshake, which every new connection between proxies costs).
    "$JAVA_HOME/bin/java" -Xmx256m -cp "$WEFT_HOME/bench/target/classes:$(cat "$WEFT_HOME/bench/target/bench.classpath")" \
      io.weft.bench.HandshakeDriver --target 127.0.20.2:4143 --server-name default.bench.serviceaccount.identity.linkerd.cluster.local \
      --duration "${duration}s" | tee -a "$out"
  fi
  stop_weft
done
if [ -f "$work/rss.txt" ]; then tee -a "$out" < "$work/rss.txt"; fi
if [ -n "$jfr_opts" ]; then
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  mkdir -p "$WEFT_HOME/bench/proxies/jfr" && cp "$work"/*.jfr "$WEFT_HOME/bench/proxies/jfr/" && echo "flight recordings: bench/proxies/jfr/"
fi
echo "results: $out"
