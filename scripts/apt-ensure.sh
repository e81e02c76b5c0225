#!/usr/bin/env bash
# Installs a Debian package when the file it provides is missing; the ensure-*.sh scripts call it.
# Usage: apt-ensure.sh <file that proves it is installed> <package> <what it is for>
set -euo pipefail
file="$1" package="$2" purpose="$3"
if [ -x "$file" ]; then
  exit 0
fi
echo "$package is not installed; installing it from Debian's packages ($purpose)..."
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package"
elif command -v sudo >/dev/null 2>&1; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package"
else
  echo "Cannot install $package without root. Run: apt-get install -y $package" >&2
  exit 1
fi
[ -x "$file" ] || { echo "$package still missing after install ($file not found)" >&2; exit 1; }
