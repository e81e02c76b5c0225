import { z } from 'zod';

/** What nanobot's API takes: one user message (the session keeps the history), text only. */
const textPart = z.object({ type: z.literal('text'), text: z.string() });
const otherPart = z.object({ type: z.string() }).loose();
const messageSchema = z.object({
  role: z.string(),
  content: z.union([z.string(), z.array(z.union([textPart, otherPart]))]).nullable().optional(),
});
/** Session names become file names and Redis keys: kept short and plain. */
const sessionName = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.@+-]+$/, 'letters, digits and _ . @ + - only');

const requestSchema = z
  .object({
    model: z.string().optional(),
    messages: z.array(messageSchema),
    stream: z.boolean().nullable().optional(),
    /** OpenAI's end-user id: one conversation per user. */
    user: sessionName.optional(),
    /** nanobot's name for the same (sent with `extra_body`); wins over `user`. */
    session_id: sessionName.optional(),
  })
  .loose();

export type ChatRequest = { text: string; stream: boolean; session: string; model: string | undefined };

export type ParsedChatRequest = { ok: true; request: ChatRequest } | { ok: false; message: string; param: string | null };

/** The request, or the reason it is refused (OpenAI's 400 `invalid_request_error`). */
export function parseChatRequest(body: unknown): ParsedChatRequest {
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue === undefined || issue.path.length === 0 ? null : issue.path.join('.');
    return { ok: false, message: `${param ?? 'body'}: ${issue?.message ?? 'invalid request'}`, param };
  }
  const { messages, model, stream, user, session_id: sessionId } = parsed.data;
  const only = messages.length === 1 ? messages[0] : undefined;
  if (only === undefined || only.role !== 'user') {
    return { ok: false, message: 'Only a single user message is supported: the conversation is kept by nanobot, per `user` (or `session_id`)', param: 'messages' };
  }
  const content = only.content ?? '';
  let text: string;
  if (typeof content === 'string') text = content;
  else {
    if (content.some((part) => part.type !== 'text')) return { ok: false, message: 'Only text content is supported', param: 'messages.0.content' };
    text = content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).join(' ');
  }
  if (text.trim() === '') return { ok: false, message: 'The user message is empty', param: 'messages.0.content' };
  return { ok: true, request: { text, stream: stream === true, session: sessionId ?? user ?? 'default', model } };
}
