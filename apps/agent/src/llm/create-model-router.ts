import { findPresetName, presetNames, type Config } from '@nanobot/config';
import type { Logger } from '@nanobot/log';
import type { ChatRequest } from './chat-types.js';
import { createBreakerRegistry, type BreakerRegistry, type BreakerSnapshot, type BreakerTiming } from './circuit-breaker.js';
import { createModelChain, type ModelChain } from './create-model-chain.js';
import { createMemoryModelSelections, type ModelSelections } from './model-selections.js';

export type ModelRouterOptions = {
  config: Config;
  log: Logger;
  /** A session's `/model` choice (default: this process's memory). */
  selections?: ModelSelections;
  breakerTiming?: BreakerTiming;
  now?: () => number;
  /** Tests: SDK retries and request timeout per model. */
  modelOptions?: { maxRetries?: number; timeoutMs?: number };
};

export type ChooseResult = { kind: 'chosen'; chain: ModelChain } | { kind: 'unknown'; names: string[] } | { kind: 'broken'; reason: string };

export type ModelRouter = {
  /** The chain of the config as it is now (`agents.defaults.modelPreset` or `agents.defaults`). */
  current(): ModelChain;
  /** The chain a session's next turn uses: its `/model` choice, else the current one. */
  forSession(sessionKey: string): Promise<ModelChain>;
  /** `/model <name>`: a preset name (any case) or `default`; kept for the session. */
  choose(sessionKey: string, typed: string): Promise<ChooseResult>;
  presetNames(): string[];
  /** A reloaded config; throws (and keeps the old one) when its model chain cannot be built. */
  update(config: Config): void;
  breakers(): BreakerSnapshot[];
};

/**
 * Which model chain a turn gets. Chains are built from the config in force (replaced on a
 * reload, so a changed model, key or preset applies to the next turn) and share one set of
 * circuit breakers, so a model failing for one session is skipped for all of them.
 */
export function createModelRouter(options: ModelRouterOptions): ModelRouter {
  const { log } = options;
  const selections = options.selections ?? createMemoryModelSelections();
  const breakers: BreakerRegistry = createBreakerRegistry({
    ...(options.breakerTiming === undefined ? {} : { timing: options.breakerTiming }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const build = (config: Config, preset?: string) =>
    createModelChain({ config, log, breakers, ...options.modelOptions, ...(preset === undefined ? {} : { preset }) });
  let config = options.config;
  let primary = build(config);
  let byPreset = new Map<string, ModelChain>();

  function chainFor(preset: string): ModelChain {
    let chain = byPreset.get(preset);
    if (chain === undefined) {
      chain = build(config, preset);
      byPreset.set(preset, chain);
    }
    return chain;
  }

  return {
    current: () => primary,
    async forSession(sessionKey) {
      const chosen = await selections.get(sessionKey);
      if (chosen === undefined) return primary;
      const preset = findPresetName(config, chosen);
      if (preset === undefined) {
        log.warn({ sessionKey }, 'the preset this session chose is gone from the config; using the configured model');
        await selections.set(sessionKey, undefined);
        return primary;
      }
      try {
        return chainFor(preset);
      } catch (err) {
        log.warn({ err, sessionKey, preset }, 'the preset this session chose cannot be used; using the configured model');
        return primary;
      }
    },
    async choose(sessionKey, typed) {
      const preset = findPresetName(config, typed);
      if (preset === undefined) return { kind: 'unknown', names: presetNames(config) };
      let chain: ModelChain;
      try {
        chain = chainFor(preset);
      } catch (err) {
        return { kind: 'broken', reason: err instanceof Error ? err.message : String(err) };
      }
      await selections.set(sessionKey, preset);
      return { kind: 'chosen', chain };
    },
    presetNames: () => presetNames(config),
    update(next) {
      const nextPrimary = build(next);
      config = next;
      primary = nextPrimary;
      byPreset = new Map();
      breakers.keepOnly(new Set(primary.fingerprints));
    },
    breakers: () => breakers.list(),
  };
}

/**
 * The router as one ChatModel whose name and requests follow the config in force: what
 * memory consolidation and the status record use.
 */
export function toCurrentModel(router: ModelRouter): ModelChain {
  return {
    get model() {
      return router.current().model;
    },
    get vision() {
      return router.current().vision;
    },
    get targets() {
      return router.current().targets;
    },
    get primary() {
      return router.current().primary;
    },
    get fingerprints() {
      return router.current().fingerprints;
    },
    complete: (request: ChatRequest, callOptions: { signal: AbortSignal }) => router.current().complete(request, callOptions),
  };
}
