import type { Command } from 'commander';
import { describeError, isAppError } from '@nanobot/core';
import type { LoadedConfig } from '@nanobot/config';
import { createPrompter } from './line-prompter.js';
import { onboard } from './onboard.js';
import { isEmptySetup, type OnboardSetup } from './onboard-config.js';
import { runWizard, setupFromFlags, type OnboardFlags } from './onboard-setup.js';

type CommandOptions = Omit<OnboardFlags, 'check'> & { check: boolean; refresh: boolean; interactive: boolean; wizard: boolean };

export type OnboardCommandDeps = {
  configOrExit: () => Promise<LoadedConfig>;
  print: (line: string) => void;
  fail: (message: string) => never;
};

/** `-` for a secret flag: its value is the next line of standard input (kept out of `ps` and the shell's history). */
async function readDashes(options: CommandOptions): Promise<void> {
  if (options.apiKey !== '-' && options.telegramToken !== '-') return;
  const stdin = createPrompter(process.stdin, process.stdout);
  try {
    if (options.apiKey === '-') options.apiKey = await stdin.ask('');
    if (options.telegramToken === '-') options.telegramToken = await stdin.ask('');
  } finally {
    stdin.close();
  }
}

/**
 * The environment for `${VAR}` references only: it lists no names, so no `NANOBOT_...`
 * override (a key given in the environment) is applied and then written into the file.
 */
const lookupOnly = (env: NodeJS.ProcessEnv): Record<string, string | undefined> =>
  new Proxy(env, { ownKeys: () => [], getOwnPropertyDescriptor: () => undefined });

export function registerOnboardCommand(program: Command, deps: OnboardCommandDeps): void {
  program
    .command('onboard')
    .description('create or update the config file and the workspace; on a terminal, asks for the provider, API key, model and Telegram token')
    .option('--refresh', 'add fields a newer version knows, keeping every value (asks nothing)', false)
    .option('--provider <name>', 'LLM provider (openrouter, anthropic, openai, deepseek, ..., custom); becomes agents.defaults.provider')
    .option('--api-key <key>', "the provider's API key (- reads it from standard input)")
    .option('--api-base <url>', "the provider's endpoint (required for vllm, ollama and custom)")
    .option('--model <name>', 'agents.defaults.model')
    .option('--telegram-token <token>', 'bot token from @BotFather; enables Telegram (- reads it from standard input)')
    .option('--no-check', 'write without checking the key with a model call or the token with getMe')
    .option('--wizard', 'ask on a terminal even when the config already has a provider', false)
    .option('--no-interactive', 'never ask, even on a terminal')
    .action(async (options: CommandOptions) => {
      const loaded = await deps.configOrExit();
      const flagged = [options.provider, options.apiKey, options.apiBase, options.model, options.telegramToken].some((v) => v !== undefined);
      const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
      const anyProvider = Object.values(loaded.config.providers).some((p) => p.apiKey !== '' || p.apiBase !== undefined);
      // A set-up install is not asked again (scripts/start.sh runs onboard before every start) unless told.
      const ask = terminal && options.interactive && !options.refresh && (options.wizard || !loaded.exists || !anyProvider);
      let setup: OnboardSetup = {};
      try {
        if (flagged) {
          await readDashes(options);
          setup = await setupFromFlags(options, loaded, deps.print);
        } else if (ask) {
          const prompter = createPrompter(process.stdin, process.stdout);
          try {
            setup = await runWizard(prompter, loaded, deps.print, options.check);
          } finally {
            prompter.close();
          }
        }
      } catch (err) {
        // Our own refusals are sentences for the person at the terminal; anything else keeps its code.
        const said = isAppError(err, 'CONFIG_INVALID') ? err.message : describeError(err);
        return deps.fail(`✗ ${said}${said.endsWith('nothing was written') ? '' : '; nothing was written'}`);
      }
      await onboard(loaded, { refresh: options.refresh, print: deps.print, setup, env: lookupOnly(process.env) });
      if (isEmptySetup(setup) && !anyProvider) {
        deps.print('Next: the model needs a key: run nanobot onboard on a terminal, or nanobot onboard --provider openrouter --api-key - --model <model> with the key on standard input');
      }
    });
}
