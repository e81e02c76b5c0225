#!/usr/bin/env bash
# Makes sure Debian's `chromium` is installed: the dashboard's browser tests drive it with
# playwright-core (which never downloads a browser of its own). Running nanobot does not need it.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "chromium is not installed; installing it from Debian's packages (for the dashboard tests)..."
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
elif command -v sudo >/dev/null 2>&1; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
else
  echo "Cannot install chromium without root. Run: apt-get install -y chromium" >&2
  exit 1
fi
[ -x /usr/bin/chromium ] || { echo "chromium still missing after install" >&2; exit 1; }
