#!/usr/bin/env bash
# The proxy's AOT training run, for the image build: a control plane on a one-pod local cluster
# (the pod's "application" is a tiny HTTP server), a proxy with -XX:AOTCacheOutput=$1 serving as
# that pod's inbound and outbound side, requests through both, then the proxy is stopped and
# writes the cache as it exits. Needs JAVA_HOME, /app/lib (the CLI), /app/proxy-lib, curl, python3.
set -euo pipefail
cache="$1"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
java="$JAVA_HOME/bin/java"
mkdir -p "$work/cluster"
cat > "$work/cluster/train.yaml" <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: train, annotations: {linkerd.io/inject: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: train}
spec: {selector: {app: app}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: app-0, namespace: train, labels: {app: app}}
spec: {containers: [{name: app, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 127.0.0.1, phase: Running, conditions: [{type: Ready, status: "True"}]}
YAML
(cd "$work" && python3 -m http.server 8080 --bind 127.0.0.1 > /dev/null 2>&1) &
"$java" -cp '/app/lib/*' io.weft.cli.Weft control-plane --local-cluster "$work/cluster" --destination-port 18086 --cluster-port 0 \
  > "$work/control-plane.log" 2>&1 &
until curl -s -o /dev/null http://127.0.0.1:18086; do sleep 0.2; done
source /app/proxy-jvm.sh
LINKERD2_PROXY_DESTINATION_SVC_ADDR=127.0.0.1:18086 LINKERD2_PROXY_INBOUND_LISTEN_ADDR=127.0.0.1:4143 \
  "$java" @/app/weft-proxy.options -Xmx64m -XX:AOTCacheOutput="$cache" -cp '/app/proxy-lib/*' io.weft.proxy.ProxyMain \
  > "$work/proxy.log" 2>&1 &
proxy=$!
until curl -sf -o /dev/null http://127.0.0.1:4191/ready; do sleep 0.2; done
for i in $(seq 1 2000); do
  curl -s -o /dev/null -H "l5d-dst-override: app.train.svc.cluster.local:80" http://127.0.0.1:4140/ || true
done
curl -s -o /dev/null --http2-prior-knowledge -H "l5d-dst-override: app.train.svc.cluster.local:80" http://127.0.0.1:4140/ || true
kill -TERM "$proxy"; wait "$proxy" || true
test -s "$cache"
