import type { TokenUsage } from '../llm/chat-types.js';

const cachedPart = (u: TokenUsage) => ((u.cachedTokens ?? 0) > 0 ? ` (${u.cachedTokens ?? 0} cached)` : '');

/**
 * `/status` lines on tokens: the last turn's prompt (and the part the provider read from its
 * cache), completion tokens, and the session's totals with the cached share of the prompt.
 */
export function formatUsage(usages: TokenUsage[]): string[] {
  const last = usages.at(-1);
  if (last === undefined) return ['Last turn: none yet'];
  const lines = [`Last turn: ${last.promptTokens} prompt${cachedPart(last)} + ${last.completionTokens} completion tokens`];
  if (usages.length > 1) {
    const prompt = usages.reduce((sum, u) => sum + u.promptTokens, 0);
    const cached = usages.reduce((sum, u) => sum + (u.cachedTokens ?? 0), 0);
    const completion = usages.reduce((sum, u) => sum + u.completionTokens, 0);
    const share = prompt > 0 ? Math.round((cached / prompt) * 100) : 0;
    lines.push(`Session (${usages.length} turns): ${prompt} prompt tokens, ${cached} cached (${share}%), ${completion} completion`);
  }
  return lines;
}
