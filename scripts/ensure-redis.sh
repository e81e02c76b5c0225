#!/usr/bin/env bash
# Makes sure `redis-server` is installed: the embedded broker and every test need it.
set -euo pipefail
found="$(command -v redis-server || true)"
exec bash "$(dirname "$0")/apt-ensure.sh" "${found:-/usr/bin/redis-server}" redis-server "for the embedded broker and the tests"
