import type { ServerResponse } from 'node:http';
import { nextId, type ResolvedReply } from './fake-llm-replies.js';

/** How a streamed reply is paced, and what the test learns of it. */
export type StreamPacing = {
  /** Pause before each content piece after the first (a slow model). */
  chunkDelayMs: number;
  signal: AbortSignal;
  /** Called when the first piece of content is written. */
  onFirstChunk?: () => void;
};

const pause = (ms: number, signal: AbortSignal) =>
  ms <= 0 || signal.aborted
    ? Promise.resolve()
    : new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });

/** The reply's text in pieces of a word each, as models stream it. */
const piecesOf = (text: string) => text.match(/\s*\S+\s*|\s+/g) ?? [];

/**
 * A whole (not streamed) reply from a slow model: its first piece exists now, the rest takes as
 * long as a stream of it would; resolves false when the fake closes meanwhile.
 */
export async function paceWholeReply(text: string, pacing: StreamPacing): Promise<boolean> {
  if (pacing.chunkDelayMs <= 0) return true;
  pacing.onFirstChunk?.();
  await pause(pacing.chunkDelayMs * Math.max(0, piecesOf(text).length - 1), pacing.signal);
  return !pacing.signal.aborted;
}

/** Writes each piece, pausing between them; false when the client went away or the fake closes. */
async function writePieces(res: ServerResponse, pieces: string[], pacing: StreamPacing, write: (piece: string) => void): Promise<boolean> {
  for (const [index, piece] of pieces.entries()) {
    if (index > 0) await pause(pacing.chunkDelayMs, pacing.signal);
    if (res.destroyed || pacing.signal.aborted) return false;
    write(piece);
    if (index === 0) pacing.onFirstChunk?.();
  }
  return true;
}

/** OpenAI's chat completion chunks as server-sent events, paced, ending with `data: [DONE]`. */
export async function writePacedCompletionStream(
  res: ServerResponse,
  reply: ResolvedReply,
  options: { model: string; includeUsage: boolean },
  pacing: StreamPacing,
): Promise<void> {
  const base = { id: nextId('chatcmpl'), object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: options.model };
  const usageField = options.includeUsage ? { usage: null } : {};
  const send = (delta: unknown, finish: string | null = null) =>
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...usageField })}\n\n`);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  send({ role: 'assistant', content: '' });
  if (!(await writePieces(res, piecesOf(reply.content), pacing, (content) => send({ content })))) return void res.end();
  reply.toolCalls.forEach((call, index) => {
    send({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] });
    send({ tool_calls: [{ index, function: { arguments: call.argumentsJson } }] });
  });
  send({}, reply.toolCalls.length > 0 ? 'tool_calls' : 'stop');
  if (options.includeUsage) {
    const usage = { prompt_tokens: reply.promptTokens, completion_tokens: reply.completionTokens, total_tokens: reply.promptTokens + reply.completionTokens };
    res.write(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}

/**
 * Anthropic's Messages stream (https://docs.anthropic.com/en/api/messages-streaming): message_start,
 * a text block of text_delta events, a tool_use block per call with its input as input_json_delta,
 * message_delta with the stop reason and usage, message_stop.
 */
export async function writeAnthropicStream(res: ServerResponse, reply: ResolvedReply, model: string, pacing: StreamPacing): Promise<void> {
  const event = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  event('message_start', {
    message: {
      id: nextId('msg'), type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null,
      usage: { input_tokens: reply.promptTokens, output_tokens: 0 },
    },
  });
  let index = 0;
  if (reply.content !== '') {
    event('content_block_start', { index, content_block: { type: 'text', text: '' } });
    const at = index;
    if (!(await writePieces(res, piecesOf(reply.content), pacing, (text) => event('content_block_delta', { index: at, delta: { type: 'text_delta', text } })))) {
      return void res.end();
    }
    event('content_block_stop', { index });
    index += 1;
  }
  for (const call of reply.toolCalls) {
    event('content_block_start', { index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } });
    event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(call.input ?? {}) } });
    event('content_block_stop', { index });
    index += 1;
  }
  event('message_delta', { delta: { stop_reason: reply.toolCalls.length > 0 ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: reply.completionTokens } });
  event('message_stop', {});
  res.end();
}
