import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

/** Called with the answer's text so far, each time more of it arrives. */
export type OnText = (textSoFar: string) => void;

/**
 * One chat completion, streamed when someone watches the text as it comes (`onText`): the SDK's
 * stream helper gathers the deltas, tool calls included, into the same completion a plain request
 * returns, so the caller does not care which way it went.
 */
export async function requestOpenAiCompletion(
  client: OpenAI,
  body: ChatCompletionCreateParamsNonStreaming,
  options: { signal: AbortSignal; onText?: OnText | undefined },
): Promise<ChatCompletion> {
  const onText = options.onText;
  if (onText === undefined) return client.chat.completions.create(body, { signal: options.signal });
  const stream = client.chat.completions.stream({ ...body, stream: true, stream_options: { include_usage: true } }, { signal: options.signal });
  stream.on('content', (_delta, snapshot) => onText(snapshot));
  return stream.finalChatCompletion();
}

/** The same for Anthropic's Messages API: `messages.stream` accumulates the events into the final message. */
export async function requestAnthropicMessage(
  client: Anthropic,
  body: Anthropic.MessageCreateParamsNonStreaming,
  options: { signal: AbortSignal; onText?: OnText | undefined },
): Promise<Anthropic.Message> {
  const onText = options.onText;
  if (onText === undefined) return client.messages.create(body, { signal: options.signal });
  const stream = client.messages.stream(body, { signal: options.signal });
  stream.on('text', (_delta, snapshot) => onText(snapshot));
  return stream.finalMessage();
}
