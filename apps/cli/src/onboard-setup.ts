import { AppError } from '@nanobot/core';
import { providerNames, type LoadedConfig } from '@nanobot/config';
import { checkBotToken, checkModel, defaultApiBase, endpointOf, localProviders, type CheckResult } from './onboard-checks.js';
import type { OnboardSetup } from './onboard-config.js';
import type { Prompter } from './line-prompter.js';

export type OnboardFlags = {
  provider?: string;
  apiKey?: string;
  apiBase?: string;
  model?: string;
  telegramToken?: string;
  /** false with --no-check: write without asking the provider or Telegram. */
  check: boolean;
};

type Current = { provider: string | undefined; apiKey: (provider: string) => string; apiBase: (provider: string) => string | undefined; model: string; telegramToken: string; apiRoot: string | undefined };

function currentOf(loaded: LoadedConfig): Current {
  const { agents, providers, channels } = loaded.config;
  const entry = (name: string) => (providers as Record<string, { apiKey: string; apiBase?: string | undefined }>)[name];
  const configured = Object.keys(providers).find((name) => entry(name)?.apiKey !== '' || entry(name)?.apiBase !== undefined);
  return {
    provider: agents.defaults.provider !== 'auto' ? agents.defaults.provider : configured,
    apiKey: (name) => entry(name)?.apiKey ?? '',
    apiBase: (name) => entry(name)?.apiBase,
    model: agents.defaults.model,
    telegramToken: channels.telegram.token,
    apiRoot: channels.telegram.apiRoot,
  };
}

const isUrl = (text: string) => /^https?:\/\/\S+$/.test(text);

function checkProviderName(name: string): string | null {
  if ((providerNames as readonly string[]).includes(name)) return null;
  return `${name} is not a provider nanobot knows (${providerNames.join(', ')}); for a server of your own that speaks OpenAI's API use custom with --api-base`;
}

/** The model check for what will be in the file: the new values, else the current ones. */
async function checkModelOf(setup: OnboardSetup, current: Current): Promise<CheckResult> {
  const provider = setup.provider ?? current.provider;
  if (provider === undefined) return { ok: false, detail: 'no provider: give --provider' };
  const apiKey = setup.apiKey ?? current.apiKey(provider);
  if (apiKey === '' && !localProviders.has(provider)) return { ok: false, detail: `no API key for ${provider}: give --api-key` };
  return checkModel({ provider, apiKey, apiBase: setup.apiBase ?? current.apiBase(provider), model: setup.model ?? current.model });
}

/**
 * The flags of a non-interactive `nanobot onboard`, checked as the wizard checks answers:
 * the model with a one-token request, the Telegram token with getMe. Throws naming the
 * first thing wrong; then nothing is written.
 */
export async function setupFromFlags(flags: OnboardFlags, loaded: LoadedConfig, report: (line: string) => void): Promise<OnboardSetup> {
  const current = currentOf(loaded);
  const setup: OnboardSetup = {
    ...(flags.provider === undefined ? {} : { provider: flags.provider }),
    ...(flags.apiKey === undefined ? {} : { apiKey: flags.apiKey }),
    ...(flags.apiBase === undefined ? {} : { apiBase: flags.apiBase }),
    ...(flags.model === undefined ? {} : { model: flags.model }),
    ...(flags.telegramToken === undefined ? {} : { telegramToken: flags.telegramToken }),
  };
  if (setup.provider === undefined && (setup.apiKey !== undefined || setup.apiBase !== undefined)) {
    throw new AppError('CONFIG_INVALID', '--api-key and --api-base need --provider (which provider they are for)');
  }
  const unknown = setup.provider === undefined ? null : checkProviderName(setup.provider);
  if (unknown !== null) throw new AppError('CONFIG_INVALID', unknown);
  if (setup.apiBase !== undefined && !isUrl(setup.apiBase)) throw new AppError('CONFIG_INVALID', `--api-base must be an http(s) URL`);
  if (!flags.check) return setup;
  const checks: Array<[string, () => Promise<CheckResult>]> = [];
  if (setup.provider !== undefined || setup.model !== undefined) checks.push(['model', () => checkModelOf(setup, current)]);
  if (setup.telegramToken !== undefined) {
    const token = setup.telegramToken;
    checks.push(['telegram', () => checkBotToken(token, current.apiRoot)]);
  }
  for (const [name, run] of checks) {
    const result = await run();
    if (!result.ok) throw new AppError('CONFIG_INVALID', `${name}: ${result.detail}`);
    report(`✓ ${name}: ${result.detail}`);
  }
  return setup;
}

/** Asks until the answer is accepted; an empty answer takes the default when there is one. */
async function askUntil(ask: () => Promise<string>, accept: (answer: string) => Promise<string | null> | string | null, say: (line: string) => void): Promise<string> {
  for (;;) {
    const answer = await ask();
    const problem = await accept(answer);
    if (problem === null) return answer;
    say(`  ✗ ${problem}`);
  }
}

/**
 * The questions of `nanobot onboard` on a terminal: provider, API base (servers of one's
 * own), API key (not shown), model, Telegram token (not shown). Enter keeps what the
 * config has; a key, a model or a token that does not work is asked again.
 */
export async function runWizard(prompter: Prompter, loaded: LoadedConfig, say: (line: string) => void, check: boolean): Promise<OnboardSetup> {
  const current = currentOf(loaded);
  const setup: OnboardSetup = {};
  say('Set up the model and Telegram (Enter keeps the value in [brackets]; keys and tokens are not shown as you type).');
  const providerDefault = current.provider ?? 'openrouter';
  const provider = await askUntil(
    () => prompter.ask(`Provider (${providerNames.join(', ')}) [${providerDefault}]: `),
    (answer) => checkProviderName(answer === '' ? providerDefault : answer),
    say,
  ).then((answer) => (answer === '' ? providerDefault : answer));
  if (provider !== current.provider || loaded.config.agents.defaults.provider === 'auto') setup.provider = provider;

  const baseNow = current.apiBase(provider);
  if (localProviders.has(provider) || defaultApiBase[provider] === undefined || baseNow !== undefined) {
    const shown = baseNow ?? defaultApiBase[provider];
    const base = await askUntil(
      () => prompter.ask(`API base URL${shown === undefined ? '' : ` [${shown}]`}: `),
      (answer) => (answer === '' ? (shown === undefined ? 'an API base URL is required for this provider' : null) : isUrl(answer) ? null : 'expected an http(s) URL'),
      say,
    );
    if (base !== '') setup.apiBase = base;
  }

  const keyNow = current.apiKey(provider);
  const needsKey = !localProviders.has(provider);
  for (;;) {
    const keyHint = keyNow === '' ? (needsKey ? '' : ' (none needed: Enter)') : ' [Enter keeps the current one]';
    const key = await askUntil(
      () => prompter.askSecret(`API key for ${provider}${keyHint}: `),
      (answer) => (answer === '' && keyNow === '' && needsKey ? `${provider} needs an API key` : null),
      say,
    );
    if (key !== '') setup.apiKey = key;
    else delete setup.apiKey;
    const model = await prompter.ask(`Model [${current.model}]: `);
    if (model !== '') setup.model = model;
    else delete setup.model;
    if (!check) break;
    say(`  checking ${setup.model ?? current.model} at ${String(endpointOf({ provider, apiBase: setup.apiBase ?? baseNow }))} …`);
    const result = await checkModelOf({ ...setup, provider }, current);
    if (result.ok) {
      say(`  ✓ ${result.detail}`);
      break;
    }
    say(`  ✗ ${result.detail}; try again`);
  }

  const tokenHint = current.telegramToken === '' ? ' (Enter: no Telegram for now)' : ' [Enter keeps the current one]';
  const token = await askUntil(
    () => prompter.askSecret(`Telegram bot token from @BotFather${tokenHint}: `),
    async (answer) => {
      if (answer === '' || !check) return null;
      const result = await checkBotToken(answer, current.apiRoot);
      if (result.ok) say(`  ✓ ${result.detail}`);
      return result.ok ? null : result.detail;
    },
    say,
  );
  if (token !== '') setup.telegramToken = token;
  return setup;
}
