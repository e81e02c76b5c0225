import { randomUUID } from 'node:crypto';

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
export function toErrorBody(message: string, type: string, code: string | null = null, param: string | null = null) {
  return { error: { message, type, param, code } };
}

export const newCompletionId = () => `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 24)}`;

export function toCompletion(options: { id: string; model: string; content: string; created: number }) {
  return {
    id: options.id,
    object: 'chat.completion' as const,
    created: options.created,
    model: options.model,
    choices: [{ index: 0, message: { role: 'assistant' as const, content: options.content, refusal: null }, logprobs: null, finish_reason: 'stop' as const }],
    // The agent's turn may take several model calls; the counts are not passed back here.
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}

/** One `chat.completion.chunk` as an SSE `data:` payload. */
export function toChunk(options: { id: string; model: string; created: number; delta: Record<string, string>; finish: 'stop' | null }): string {
  return JSON.stringify({
    id: options.id,
    object: 'chat.completion.chunk',
    created: options.created,
    model: options.model,
    choices: [{ index: 0, delta: options.delta, logprobs: null, finish_reason: options.finish }],
  });
}

/** The answer cut into pieces of about `size` characters at spaces, so a client sees it arrive in parts. */
export function toPieces(text: string, size = 64): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > size) {
    const space = rest.lastIndexOf(' ', size);
    const cut = space > 0 ? space + 1 : size;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}
