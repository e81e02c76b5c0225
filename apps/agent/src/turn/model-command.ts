import type { ModelChain } from '../llm/create-model-chain.js';
import type { ModelRouter } from '../llm/create-model-router.js';
import type { BreakerSnapshot } from '../llm/circuit-breaker.js';

const quoted = (names: string[]) => names.map((name) => `\`${name}\``).join(', ');

function describeChain(chain: ModelChain): string[] {
  return [`- Current model: \`${chain.model}\``, `- Current preset: \`${chain.primary.preset ?? 'default'}\``];
}

/**
 * nanobot's `/model [preset]`: without a name, the session's model and the presets there
 * are; with one, that preset for this session's next turns (not the one running, not other
 * sessions, not config.json).
 */
export async function answerModelCommand(router: ModelRouter, sessionKey: string, args: string): Promise<string> {
  const typed = args.trim();
  if (typed === '') {
    const chain = await router.forSession(sessionKey);
    return ['## Model', ...describeChain(chain), `- Available presets: ${quoted(router.presetNames())}`, '- Switch with `/model <preset>`.'].join('\n');
  }
  const result = await router.choose(sessionKey, typed);
  switch (result.kind) {
    case 'unknown':
      return `Could not switch model preset: there is no preset called "${typed.slice(0, 64)}".\n\nAvailable presets: ${quoted(result.names)}`;
    case 'broken':
      return `Could not switch model preset: ${result.reason}`;
    case 'chosen': {
      const { chain } = result;
      return [`Switched model preset to \`${chain.primary.preset ?? 'default'}\`.`, '- Scope: current session', `- Model: \`${chain.model}\``, `- Max output tokens: ${chain.primary.maxTokens}`].join('\n');
    }
    default: {
      const never: never = result;
      return String(never);
    }
  }
}

/** A breaker that is not plainly closed, in words (status lines). */
export function describeBreaker(breaker: BreakerSnapshot, nowMs: number): string {
  if (breaker.state === 'closed') return `${breaker.id}: ${breaker.failures} failure(s) in a row`;
  if (breaker.state === 'half-open') return `${breaker.id}: cooling over, the next request probes it`;
  const seconds = Math.max(0, Math.ceil(((breaker.probeAt ?? nowMs) - nowMs) / 1000));
  return `${breaker.id}: skipped after ${breaker.failures} failures, probed again in ${seconds} s`;
}

/** The model lines of `/status`: the session's model and preset, and models being skipped. */
export async function modelStatusLines(router: ModelRouter, sessionKey: string, nowMs: number): Promise<string[]> {
  const chain = await router.forSession(sessionKey);
  const preset = chain.primary.preset === undefined || chain.primary.preset === 'default' ? '' : ` (preset ${chain.primary.preset})`;
  const troubled = router.breakers().filter((b) => b.state !== 'closed' || b.failures > 0);
  return [`Model: ${chain.model}${preset}`, ...troubled.map((b) => `Circuit: ${describeBreaker(b, nowMs)}`)];
}
