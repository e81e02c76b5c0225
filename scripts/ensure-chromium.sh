#!/usr/bin/env bash
# Makes sure Debian's `chromium` is installed: the dashboard's browser tests drive it with
# playwright-core (which never downloads a browser of its own). Running nanobot does not need it.
set -euo pipefail
exec bash "$(dirname "$0")/apt-ensure.sh" /usr/bin/chromium chromium "for the dashboard tests"
