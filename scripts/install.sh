#!/usr/bin/env bash
# Installs what nanobot cluster needs (redis-server, npm packages) and builds it.
# `--with-test-browser` also installs Debian's chromium, which only the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node >= 20.19 is required, found "+process.version); process.exit(1) }'
bash scripts/ensure-redis.sh
if [ "${1:-}" = "--with-test-browser" ]; then
  bash scripts/ensure-chromium.sh
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
TURBO_TELEMETRY_DISABLED=1 npx turbo run build --output-logs=errors-only
