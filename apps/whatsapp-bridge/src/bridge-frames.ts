import { z } from 'zod';

/**
 * The bridge's WebSocket protocol: nanobot's frames (NANOBOT-REFERENCE, "WhatsApp bridge
 * protocol") plus our optional fields (`deliveryId`, `seq`, `catchUp`, send `id`, `ack`,
 * `login`, auth `acks`/`role`). See README.md, "Protocol".
 */

export type MessageFrame = {
  type: 'message';
  id: string;
  sender: string;
  pn: string;
  participant?: string;
  content: string;
  timestamp: number;
  isGroup: boolean;
  wasMentioned?: boolean;
  media?: string[];
  /** Ours: acknowledge with {"type":"ack","id":deliveryId}; `<chat JID>/<message id>`. */
  deliveryId: string;
  /** Ours: grows with every delivered message; orders turns. */
  seq: number;
  /** Ours: received while the bridge was disconnected (a WhatsApp `append` upsert). */
  catchUp?: boolean;
};

export type BridgeStatus = 'connecting' | 'qr' | 'connected' | 'disconnected' | 'logged_out';

export type BridgeFrame =
  | MessageFrame
  | { type: 'status'; status: BridgeStatus; detail?: string }
  | { type: 'qr'; qr: string }
  | { type: 'error'; error: string; id?: string; code?: SendErrorCode }
  | { type: 'sent'; to: string; id?: string }
  | { type: 'ack'; id: string };

/** `unavailable`: not sent, safe to retry; `uncertain`: may have been sent; `rejected`: never will be. */
export type SendErrorCode = 'unavailable' | 'uncertain' | 'rejected';

const id = z.string().min(1).max(200);

export const clientFrameSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('auth'),
    token: z.string(),
    acks: z.boolean().optional(),
    role: z.enum(['consumer', 'observer']).optional(),
  }),
  z.object({ type: z.literal('send'), to: z.string().min(1), text: z.string(), id: id.optional() }),
  z.object({
    type: z.literal('send_media'),
    to: z.string().min(1),
    filePath: z.string().min(1),
    mimetype: z.string().min(1),
    caption: z.string().optional(),
    fileName: z.string().optional(),
    id: id.optional(),
  }),
  z.object({ type: z.literal('ack'), id }),
  z.object({ type: z.literal('login') }),
]);

export type ClientFrame = z.infer<typeof clientFrameSchema>;
export type SendFrame = Extract<ClientFrame, { type: 'send' | 'send_media' }>;

/** Parses one client frame; undefined for anything that is not valid JSON of a known shape. */
export function parseClientFrame(text: string): ClientFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined; // not JSON: the caller answers with an error frame
  }
  const result = clientFrameSchema.safeParse(value);
  return result.success ? result.data : undefined;
}
