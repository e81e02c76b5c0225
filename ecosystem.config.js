// pm2 ecosystem of nanobot cluster. CommonJS on purpose: pm2 require()s this file
// (design-notes L16). `nanobot start` and a plain `pm2 start ecosystem.config.js`
// start the same cluster from the same config.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
// Node >= 20.19 can require() an ES module without top-level await.
const { isSelected, parseConfig, parseOnly, prepareEmbeddedRedis, resolveNanobotHome, resolveRedis } = require('@nanobot/config');

const env = process.env;
const nanobotHome = resolveNanobotHome(env, os.homedir());
const configPath = path.join(nanobotHome, 'config.json');
const raw = fs.existsSync(configPath) ? JSON.parse(fs.readFileSync(configPath, 'utf8')) : {};
const { config } = parseConfig(raw, { env, homeDir: os.homedir(), nanobotHome, source: configPath });
const redis = resolveRedis(config, env, { nanobotHome, file: configPath });
// The embedded Redis requires a password (generated on the first start, mode 0600, never
// printed): any local user could otherwise queue jobs past allowFrom or read conversations.
// `nanobot start --only agent` (NANOBOT_ONLY): this host runs only those apps (several hosts, one Redis).
const only = parseOnly(env.NANOBOT_ONLY);
const embeddedRedis = redis.embedded && isSelected(only, 'nanobot-redis') ? prepareEmbeddedRedis(nanobotHome) : undefined;
const instancesFrom = (value) => Math.max(1, Number.parseInt(value ?? '1', 10) || 1);
const agentInstances = instancesFrom(env.NANOBOT_AGENT_INSTANCES);
// More than one telegram instance means hot standbys: one polls (it holds the lease), the rest wait.
const telegramInstances = instancesFrom(env.NANOBOT_TELEGRAM_INSTANCES);
// pm2 must wait for the longest turn before it kills an agent (design-notes L8).
const longestTurnMs = config.agents.defaults.requestTimeoutS * 1000 * 3;

// V8's young generation: 1 MB semi-spaces instead of Node 20's 16 MB. Our workers are
// I/O-bound (Redis, HTTP, the model), so a small nursery costs little (about a tenth of the
// replies/s only when the agent's CPU is the limit) and keeps a burst from leaving 30-40 MB
// of grown heap in each process (design-notes L26; numbers in docs/benchmarks.md).
const v8Args = ['--max-semi-space-size=1'];

const shared = {
  cwd: __dirname,
  node_args: v8Args,
  // pm2 turns on Node's source maps in every app it forks: each process would then read and keep
  // the source map of every module it loads (about 2 MB of heap). Stack traces name the compiled
  // dist/*.js lines instead; NANOBOT_SOURCE_MAPS=1 turns the maps back on (design-notes L31).
  disable_source_map_support: env.NANOBOT_SOURCE_MAPS !== '1',
  env: {
    NODE_ENV: 'production',
    NANOBOT_HOME: nanobotHome,
    // A given Redis URL is passed on as it is. The embedded one is not: each app reads its
    // password from $NANOBOT_HOME/redis/password, so it is in no process environment (pm2
    // keeps environments in its dump file and shows them in `pm2 env`).
    ...(redis.embedded ? {} : { REDIS_URL: redis.url }),
    LOG_LEVEL: env.LOG_LEVEL ?? 'info',
    // glibc gives each thread that mallocs an arena of its own (up to 8 per core); two are enough
    // for a process whose JavaScript runs on one thread, and hold 2-4 MB less (design-notes L31).
    MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? '2',
    // The host name in status records (`nanobot status` groups processes by it).
    ...(env.NANOBOT_HOST === undefined ? {} : { NANOBOT_HOST: env.NANOBOT_HOST }),
  },
  // pm2's own restarts: a crash is restarted after a growing delay (100 ms doubling,
  // capped at 15 s by pm2), never given up on while the process stays up a while.
  exp_backoff_restart_delay: 100,
  min_uptime: 5000,
  max_restarts: 1000,
  wait_ready: true,
  // pm2 injects nothing into the apps: each starts @pm2/io itself (packages/metrics) for
  // `pm2 monit` and `pm2 trigger`, without its rejection handler (design-notes L12), so an
  // unhandled rejection still exits and pm2 restarts.
  pmx: false,
  listen_timeout: 30000,
  // No `stop_exit_codes`: pm2 7 reports a process killed by a signal as exit code 0,
  // so `[0]` would leave a worker killed with -9 stopped for good.
  log_date_format: 'YYYY-MM-DD HH:mm:ss.SSS Z',
  merge_logs: true,
  time: false,
};

const apps = [];

if (embeddedRedis !== undefined) {
  const dir = embeddedRedis.dir;
  apps.push({
    name: 'nanobot-redis',
    script: 'redis-server',
    interpreter: 'none',
    // The config file carries `requirepass`: a password on the command line would show in `ps`.
    args: [
      embeddedRedis.confFile,
      '--port', String(redis.port),
      '--bind', '127.0.0.1',
      '--dir', dir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--save', '',
      '--maxmemory-policy', 'noeviction',
      ...(config.redis.maxmemory === undefined ? [] : ['--maxmemory', config.redis.maxmemory]),
    ],
    cwd: __dirname,
    autorestart: true,
    exp_backoff_restart_delay: 100,
    kill_timeout: 10000,
    log_date_format: shared.log_date_format,
    merge_logs: true,
  });
}

if (config.channels.telegram.enabled) {
  apps.push({
    ...shared,
    name: 'nanobot-telegram',
    script: 'apps/telegram/dist/main.js',
    instances: telegramInstances,
    exec_mode: 'fork',
    // Stop: finish the update in hand and the reply being sent (10 s deadline inside).
    kill_timeout: 20000,
    max_memory_restart: '300M',
  });
}

if (config.channels.discord.enabled) {
  apps.push({
    ...shared,
    name: 'nanobot-discord',
    script: 'apps/discord/dist/main.js',
    // More than one: hot standbys; one holds the gateway connection (the lease), the rest wait.
    instances: instancesFrom(env.NANOBOT_DISCORD_INSTANCES),
    exec_mode: 'fork',
    // Stop: finish the message in hand and the reply being sent (10 s deadline inside).
    kill_timeout: 20000,
    max_memory_restart: '300M',
  });
}

if (config.channels.whatsapp.enabled) {
  // The bridge owns the WhatsApp session (one per account, guarded by a lock in NANOBOT_HOME);
  // `runBridge: false` when it runs elsewhere (another machine, or nanobot's own bridge).
  if (config.channels.whatsapp.runBridge) {
    apps.push({
      ...shared,
      name: 'nanobot-whatsapp-bridge',
      script: 'apps/whatsapp-bridge/dist/main.js',
      // Stop: close the session cleanly; every pending frame is already on disk.
      kill_timeout: 10000,
      max_memory_restart: '400M',
    });
  }
  apps.push({
    ...shared,
    name: 'nanobot-whatsapp',
    script: 'apps/whatsapp/dist/main.js',
    // Stop: finish the message in hand and the reply being sent (10 s deadline inside).
    kill_timeout: 20000,
    max_memory_restart: '300M',
  });
}

if (config.channels.slack.enabled) {
  apps.push({
    ...shared,
    name: 'nanobot-slack',
    script: 'apps/slack/dist/main.js',
    // More than one: all hold a Socket Mode connection (Slack hands each envelope to one of them).
    instances: instancesFrom(env.NANOBOT_SLACK_INSTANCES),
    exec_mode: 'fork',
    // Stop: finish the envelope in hand and the reply being posted (10 s deadline inside).
    kill_timeout: 20000,
    max_memory_restart: '300M',
  });
}

// nanobot's rule: without the owner's consent the mailbox is not read, so no worker runs.
if (config.channels.email.enabled && config.channels.email.consentGranted) {
  apps.push({
    ...shared,
    name: 'nanobot-email',
    script: 'apps/email/dist/main.js',
    // More than one: hot standbys; one reads the mailbox and sends (the lease), the rest wait.
    instances: instancesFrom(env.NANOBOT_EMAIL_INSTANCES),
    exec_mode: 'fork',
    // Stop: finish the mail in hand and the reply being sent (10 s deadline inside).
    kill_timeout: 20000,
    max_memory_restart: '300M',
  });
}

apps.push({
  ...shared,
  name: 'nanobot-agent',
  script: 'apps/agent/dist/main.js',
  instances: agentInstances,
  exec_mode: 'fork',
  kill_timeout: longestTurnMs,
  max_memory_restart: '500M',
});

// Fires cron jobs and the heartbeat (BullMQ job schedulers in Redis): more instances are safe,
// each fire is handed to one of them.
apps.push({
  ...shared,
  name: 'nanobot-scheduler',
  script: 'apps/scheduler/dist/main.js',
  instances: instancesFrom(env.NANOBOT_SCHEDULER_INSTANCES),
  exec_mode: 'fork',
  // Stop: finish queuing the fire in hand (a Redis write or two).
  kill_timeout: 10000,
  max_memory_restart: '200M',
});

// The status page and /health on gateway.host:port. Left out (and `nanobot start` says why)
// when it would listen beyond loopback without gateway.token; the channels run regardless.
const { gatewayProblem } = require('@nanobot/config');
if (gatewayProblem(config.gateway) === null) {
  apps.push({
    ...shared,
    name: 'nanobot-dashboard',
    script: 'apps/dashboard/dist/main.js',
    // Stop: close the live streams and the port; nothing is in hand.
    kill_timeout: 5000,
    max_memory_restart: '200M',
  });
}

// nanobot's OpenAI-compatible API (`nanobot serve` runs the same app in the foreground): only
// when config.json has an `api` section, and never beyond loopback without api.apiKey.
const { apiProblem } = require('@nanobot/config');
if (config.api !== undefined && apiProblem(config.api) === null) {
  apps.push({
    ...shared,
    name: 'nanobot-api',
    script: 'apps/api/dist/main.js',
    // Stop: close the port; a request still waiting gets no answer (the turn is kept).
    kill_timeout: 5000,
    max_memory_restart: '200M',
  });
}

module.exports = { apps: apps.filter((app) => isSelected(only, app.name)) };
