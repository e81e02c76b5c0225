import { createHash } from 'node:crypto';
import { resolveFallbackSpecs, resolveModelSpec, type Config, type ModelSpec } from '@nanobot/config';
import { AppError, isAppError } from '@nanobot/core';
import type { Logger } from '@nanobot/log';
import type { ChatMessage, ChatModel, ChatRequest } from './chat-types.js';
import { createBreakerRegistry, type BreakerRegistry, type CircuitBreaker } from './circuit-breaker.js';
import { createTargetModel } from './create-target-model.js';
import type { ModelTarget } from './select-provider.js';
import { selectSpecProvider } from './select-spec-provider.js';

export type ModelChainOptions = {
  config: Config;
  log: Logger;
  /** A preset to use instead of `agents.defaults.modelPreset` (a session's `/model` choice). */
  preset?: string;
  /** Shared by every chain of the process, so a failing model stays skipped across turns and sessions. */
  breakers?: BreakerRegistry;
  /** SDK retries per model; default 2. */
  maxRetries?: number;
  /** Overrides `requestTimeoutS` (tests). */
  timeoutMs?: number;
};

export type ChainLink = { spec: ModelSpec; target: ModelTarget; model: ChatModel; breaker: CircuitBreaker; fingerprint: string };

export type ModelChain = ChatModel & {
  readonly targets: ModelTarget[];
  /** The primary's settings (its preset among them). */
  readonly primary: ModelSpec;
  /** Breaker fingerprints of the links, so a reload can forget the others. */
  readonly fingerprints: string[];
};

/** Image parts become a text note for a model that cannot see them. */
function withoutImages(messages: ChatMessage[]): ChatMessage[] {
  return messages.map((message) => {
    if (message.role !== 'user' || typeof message.content === 'string') return message;
    const text = message.content.map((part) => (part.type === 'text' ? part.text : '[image omitted: this model cannot see images]'));
    return { role: 'user', content: text.join('\n') };
  });
}

/**
 * A signal per request, following the turn's: the SDKs add an abort listener to the
 * signal they get and never remove it, which would pile up over a long tool loop.
 */
async function withRequestSignal<T>(signal: AbortSignal, run: (requestSignal: AbortSignal) => Promise<T>): Promise<T> {
  const request = new AbortController();
  const forward = () => request.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  try {
    return await run(request.signal);
  } finally {
    signal.removeEventListener('abort', forward);
  }
}

/**
 * What the chain throws when every model failed: a passing failure (LLM_UNAVAILABLE) if
 * any model had one, since the turn may succeed once that model is back, even when a
 * fallback is misconfigured; else the first model's own rejection.
 */
function chainError(errors: unknown[]): unknown {
  return errors.find((err) => isAppError(err, 'LLM_UNAVAILABLE')) ?? errors[0];
}

/** Failures that say the provider or model is in trouble (down, overloaded, key refused), not the request. */
function countsAgainst(err: unknown): boolean {
  if (isAppError(err, 'LLM_UNAVAILABLE')) return true;
  const status = isAppError(err, 'LLM_REJECTED') ? err.details?.['status'] : undefined;
  return status === 401 || status === 403;
}

function fingerprintOf(target: ModelTarget, spec: ModelSpec): string {
  return createHash('sha256').update(JSON.stringify([target, spec.maxTokens, spec.temperature])).digest('hex').slice(0, 24);
}

/** The links of a chain: the primary (a preset or `agents.defaults`) and its fallbacks, each on its provider. */
export function toChainLinks(options: ModelChainOptions & { breakers: BreakerRegistry }): ChainLink[] {
  const { config } = options;
  const primary = resolveModelSpec(config, options.preset);
  const usable = resolveFallbackSpecs(config, primary).filter((spec) => {
    try {
      selectSpecProvider(config, spec);
      return true;
    } catch (err) {
      if (!isAppError(err, 'CONFIG_INVALID')) throw err;
      // As nanobot does with a fallback it cannot create: left out, said at once rather than on the first outage.
      options.log.warn({ model: spec.model, provider: spec.provider, reason: err.message }, 'fallback model left out: no usable provider for it');
      return false;
    }
  });
  return [primary, ...usable].map((spec) => {
    const target = selectSpecProvider(config, spec);
    const fingerprint = fingerprintOf(target, spec);
    const model = createTargetModel({
      target,
      maxTokens: spec.maxTokens,
      temperature: spec.temperature,
      timeoutMs: options.timeoutMs ?? config.agents.defaults.requestTimeoutS * 1000,
      maxRetries: options.maxRetries ?? 2,
    });
    return { spec, target, model, fingerprint, breaker: options.breakers.get(`${target.provider}/${target.model}`, fingerprint) };
  });
}

/**
 * The primary model followed by `agents.defaults.fallbackModels` (preset names, inline
 * objects or model names), each with its own provider (nanobot's selection). A model that
 * fails (after its SDK retries) hands the request to the next; we do not stream, so a
 * failure never follows output. A cancelled request is not retried elsewhere. With
 * fallbacks, a model that failed 3 times in a row is skipped for 60 s (circuit-breaker.ts);
 * when every model is cooling, the turn waits for the first probe (LLM_UNAVAILABLE with
 * its delay).
 */
export function createModelChain(options: ModelChainOptions): ModelChain {
  const breakers = options.breakers ?? createBreakerRegistry();
  const links = toChainLinks({ ...options, breakers });
  const first = links[0] as ChainLink;
  const guarded = links.length > 1;
  return {
    model: first.model.model,
    vision: first.model.vision,
    targets: links.map((link) => link.target),
    primary: first.spec,
    fingerprints: links.map((link) => link.fingerprint),
    async complete(request: ChatRequest, { signal, onText }) {
      const errors: unknown[] = [];
      let skipped = 0;
      for (const [index, link] of links.entries()) {
        if (guarded && !link.breaker.tryAcquire()) {
          skipped += 1;
          options.log.debug({ model: link.model.model, provider: link.target.provider }, 'model skipped: its circuit is open');
          continue;
        }
        const attempt = link.model.vision ? request : { ...request, messages: withoutImages(request.messages) };
        try {
          const result = await withRequestSignal(signal, (requestSignal) => link.model.complete(attempt, { signal: requestSignal, onText }));
          if (guarded) link.breaker.succeeded();
          return result;
        } catch (err) {
          if (signal.aborted) {
            link.breaker.released();
            throw err;
          }
          if (guarded) noteFailure(link, err, options.log);
          errors.push(err);
          const next = links[index + 1];
          if (next !== undefined) options.log.warn({ err, model: link.model.model, next: next.model.model }, 'model failed, trying the fallback model');
        }
      }
      if (errors.length === 0 && skipped > 0) throw coolingError(links);
      throw chainError(errors);
    },
  };
}

function noteFailure(link: ChainLink, err: unknown, log: Logger): void {
  if (!countsAgainst(err)) return link.breaker.released();
  const before = link.breaker.snapshot().state;
  link.breaker.failed();
  const after = link.breaker.snapshot();
  if (after.state === 'open' && before !== 'open') {
    log.warn({ model: link.target.model, provider: link.target.provider, failures: after.failures, probeAt: after.probeAt }, 'model circuit open: skipped until its cooling period ends');
  }
}

/** Every model of the chain is cooling: the turn waits until the first may be probed. */
function coolingError(links: ChainLink[]): AppError {
  const waitMs = Math.min(...links.map((link) => link.breaker.waitMs()));
  const names = links.map((link) => `${link.target.provider}/${link.target.model}`).join(', ');
  return new AppError('LLM_UNAVAILABLE', `every model is cooling down after repeated failures (${names})`, {
    retryAfterMs: Math.max(1, waitMs),
    details: { reason: 'circuit_open' },
  });
}
