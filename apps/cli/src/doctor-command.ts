import { homedir } from 'node:os';
import type { Command } from 'commander';
import { describeError } from '@nanobot/core';
import { allowFromWarnings, loadConfig, resolveModelSpec, type LoadedConfig } from '@nanobot/config';
import { checkRedis } from './check-redis.js';
import { checkEmail } from './check-email.js';
import { checkSlack } from './check-slack.js';

/** `warning`: works, but the operator should change something (shown with `!`, exit code 0). */
export type Check = { name: string; ok: boolean; detail: string; warning?: boolean };

export function checkProvider(loaded: LoadedConfig): Check {
  const { providers } = loaded.config;
  const usable = Object.entries(providers).filter(([, p]) => p.apiKey !== '' || p.apiBase !== undefined).map(([name]) => name);
  if (usable.length === 0) {
    return { name: 'model', ok: false, detail: `no provider has an apiKey or apiBase: set providers.<name>.apiKey in ${loaded.path}` };
  }
  return { name: 'model', ok: true, detail: `${resolveModelSpec(loaded.config).model} (providers configured: ${usable.join(', ')})` };
}

async function checkTelegram(loaded: LoadedConfig): Promise<Check | null> {
  const telegram = loaded.config.channels.telegram;
  if (!telegram.enabled) return null;
  if (telegram.proxy !== undefined) return { name: 'telegram', ok: true, detail: 'enabled (behind a proxy: token not checked from here)' };
  const root = telegram.apiRoot ?? 'https://api.telegram.org';
  try {
    const response = await fetch(`${root}/bot${telegram.token}/getMe`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { ok: boolean; result?: { username?: string }; description?: string };
    if (body.ok) return { name: 'telegram', ok: true, detail: `token valid: @${body.result?.username ?? '?'}` };
    return { name: 'telegram', ok: false, detail: `Telegram refused the token (${response.status} ${body.description ?? ''})` };
  } catch (err) {
    return { name: 'telegram', ok: false, detail: `Bot API not reachable at ${root}: ${describeError(err)}` };
  }
}

/** The token (`GET /users/@me`) and the gateway (`GET /gateway/bot`), as the worker will use them. */
async function checkDiscord(loaded: LoadedConfig): Promise<Check | null> {
  const discord = loaded.config.channels.discord;
  if (!discord.enabled) return null;
  const base = discord.apiBase.replace(/\/+$/, '');
  const headers = { authorization: `Bot ${discord.token}` };
  try {
    const me = await fetch(`${base}/users/@me`, { headers, signal: AbortSignal.timeout(5_000) });
    if (!me.ok) return { name: 'discord', ok: false, detail: `Discord refused the token (${me.status})` };
    const user = (await me.json()) as { username?: string };
    const gateway = await fetch(`${base}/gateway/bot`, { headers, signal: AbortSignal.timeout(5_000) });
    const info = gateway.ok ? ((await gateway.json()) as { url?: string }) : {};
    const url = discord.gatewayUrl ?? info.url;
    if (url === undefined) return { name: 'discord', ok: false, detail: `token valid: ${user.username ?? '?'}, but no gateway (${gateway.status})` };
    return { name: 'discord', ok: true, detail: `token valid: ${user.username ?? '?'}, gateway ${url}` };
  } catch (err) {
    return { name: 'discord', ok: false, detail: `Discord API not reachable at ${base}: ${describeError(err)}` };
  }
}

/** Everything `nanobot doctor` checks, in order; never prints a secret. */
export async function runChecks(loaded: LoadedConfig): Promise<Check[]> {
  const checks: Check[] = [];
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  checks.push({ name: 'node', ok: major > 20 || (major === 20 && minor >= 19), detail: `${process.version} (needs >= 20.19)` });
  checks.push({ name: 'config', ok: true, detail: `${loaded.path}${loaded.exists ? '' : ' (missing: defaults in use; run `nanobot onboard`)'}${loaded.warnings.length > 0 ? `, ${loaded.warnings.length} warning(s), shown by nanobot start` : ''}` });
  checks.push(...(await checkRedis(loaded)));
  checks.push(checkProvider(loaded));
  const telegram = await checkTelegram(loaded);
  if (telegram !== null) checks.push(telegram);
  const discord = await checkDiscord(loaded);
  if (discord !== null) checks.push(discord);
  const slack = await checkSlack(loaded);
  if (slack !== null) checks.push(slack);
  const email = await checkEmail(loaded);
  if (email !== null) checks.push(email);
  for (const detail of allowFromWarnings(loaded)) checks.push({ name: 'allowFrom', ok: true, warning: true, detail });
  return checks;
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check the installation, the config, Redis, the model provider and the channel tokens')
    .action(async () => {
      let loaded: LoadedConfig;
      try {
        loaded = await loadConfig({ env: process.env, homeDir: homedir() });
      } catch (err) {
        process.stdout.write(`✗ config     ${describeError(err)}\n`);
        process.exitCode = 1;
        return;
      }
      const checks = await runChecks(loaded);
      for (const check of checks) {
        const mark = !check.ok ? '✗' : check.warning === true ? '!' : '✓';
        process.stdout.write(`${mark} ${check.name.padEnd(10)} ${check.detail}\n`);
      }
      if (checks.some((check) => !check.ok)) process.exitCode = 1;
    });
}
