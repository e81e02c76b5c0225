#!/usr/bin/env bash
# Installs, builds and starts the cluster under pm2. Without REDIS_URL it runs its
# own redis-server (nanobot-redis) on a port of its own, with data in ~/.nanobot/redis
# and a password generated on the first start in ~/.nanobot/redis/password (mode 0600,
# never printed; every nanobot process reads it from there).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
node apps/cli/bin/nanobot.js onboard
node apps/cli/bin/nanobot.js start
echo
echo "nanobot is running. Put your LLM key and Telegram token in ${NANOBOT_HOME:-$HOME/.nanobot}/config.json, then:"
echo "  npx nanobot restart     # apply the config"
echo "  npx nanobot status      # processes, channels, queues"
