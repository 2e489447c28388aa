#!/usr/bin/env bash
# Refreshes the dashboard's vendored libraries from the npm registry, at the pinned versions.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vendor="$here/src/main/resources/dashboard/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund uplot@1.6.32 d3-force@3.0.1 d3-dispatch@3.0.2 \
  d3-quadtree@3.0.2 d3-timer@3.0.2 >/dev/null)
m="$work/node_modules"
cp "$m/uplot/dist/uPlot.iife.min.js" "$m/uplot/dist/uPlot.min.css" "$m/d3-force/dist/d3-force.min.js" \
  "$m/d3-dispatch/dist/d3-dispatch.min.js" "$m/d3-quadtree/dist/d3-quadtree.min.js" "$m/d3-timer/dist/d3-timer.min.js" "$vendor/"
cp "$m/uplot/LICENSE" "$vendor/uPlot.LICENSE"
cp "$m/d3-force/LICENSE" "$vendor/d3.LICENSE"
echo "vendored into $vendor"
