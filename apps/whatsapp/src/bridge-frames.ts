import { z } from 'zod';

/**
 * Frames the bridge sends (apps/whatsapp-bridge/README.md, "Protocol"): nanobot's frames plus
 * our optional `deliveryId`/`seq`/`catchUp`, `ack` and error codes. Unknown fields are kept out;
 * unknown frame types are ignored by the caller, so a newer bridge does not break an older worker.
 */
const messageFrame = z.object({
  type: z.literal('message'),
  id: z.string().min(1),
  sender: z.string().min(1),
  pn: z.string().default(''),
  participant: z.string().optional(),
  content: z.string().default(''),
  timestamp: z.number(),
  isGroup: z.boolean().default(false),
  wasMentioned: z.boolean().optional(),
  media: z.array(z.string()).optional(),
  deliveryId: z.string().min(1).optional(),
  seq: z.number().int().nonnegative().optional(),
  catchUp: z.boolean().optional(),
});

export const bridgeFrameSchema = z.discriminatedUnion('type', [
  messageFrame,
  z.object({ type: z.literal('status'), status: z.string(), detail: z.string().optional() }),
  z.object({ type: z.literal('qr'), qr: z.string() }),
  z.object({ type: z.literal('error'), error: z.string(), id: z.string().optional(), code: z.enum(['unavailable', 'uncertain', 'rejected']).optional() }),
  z.object({ type: z.literal('sent'), to: z.string(), id: z.string().optional() }),
  z.object({ type: z.literal('ack'), id: z.string() }),
]);

export type BridgeFrame = z.infer<typeof bridgeFrameSchema>;
export type MessageFrame = z.infer<typeof messageFrame>;

/**
 * A frame that says it is a message but is not a valid one: a user's message that can never be
 * read. It is still acknowledged (else the bridge resends it forever) and parked for a look.
 */
export type BadMessageFrame = { raw: Record<string, unknown>; reason: string; deliveryId: string | undefined };

export type ParsedFrame =
  | { kind: 'frame'; frame: BridgeFrame }
  | { kind: 'bad-message'; bad: BadMessageFrame }
  | { kind: 'unknown'; reason: string };

/** Where and how a frame breaks the schema; zod's messages name types, never the values. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

export function parseBridgeFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'unknown', reason: 'not JSON' }; // reported by the caller
  }
  const result = bridgeFrameSchema.safeParse(value);
  if (result.success) return { kind: 'frame', frame: result.data };
  const raw = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (raw?.type === 'message') {
    const deliveryId = typeof raw.deliveryId === 'string' && raw.deliveryId !== '' ? raw.deliveryId : undefined;
    return { kind: 'bad-message', bad: { raw, reason: `invalid message frame at ${describeIssues(result.error)}`, deliveryId } };
  }
  return { kind: 'unknown', reason: `unrecognised frame of type ${raw === undefined ? typeof value : String(raw.type)}` };
}
