import { randomBytes } from 'node:crypto';
import type { LlmRequest } from '@nanobot/testkit';

/** A PNG signature followed by random bytes: an image as far as type sniffing goes, different every time. */
export const fakePng = (size = 2048) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(size)]);
export const fakeJpeg = (size = 2048) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(size)]);
/** The start of an Ogg Opus voice note (two seconds long by its last granule), then noise. */
export function fakeVoice(): Buffer {
  const page = (granule: bigint, body: Buffer) => {
    const header = Buffer.alloc(27);
    header.write('OggS', 0, 'latin1');
    header.writeBigUInt64LE(granule, 6);
    return Buffer.concat([header, body]);
  };
  const head = Buffer.concat([Buffer.from('OpusHead', 'latin1'), Buffer.from([1, 1, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0])]);
  return Buffer.concat([page(0n, head), randomBytes(1500), page(96_000n + 312n, randomBytes(200))]);
}
export const fakePdf = () => Buffer.concat([Buffer.from('%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n', 'latin1'), randomBytes(1024)]);

type Part = { type?: string; text?: string; image_url?: { url?: string } };
type Body = { messages?: Array<{ role?: string; content?: string | Part[] }> };

/** The last user message of an OpenAI chat request: its text and the bytes of its image parts. */
export function lastUserTurn(request: LlmRequest): { text: string; images: Buffer[] } {
  const messages = (request.body as Body | null)?.messages ?? [];
  const user = [...messages].reverse().find((m) => m.role === 'user');
  const content = user?.content ?? '';
  if (typeof content === 'string') return { text: content, images: [] };
  const text = content.flatMap((p) => (p.type === 'text' ? [p.text ?? ''] : [])).join('\n');
  const images = content.flatMap((p) => {
    const url = p.type === 'image_url' ? (p.image_url?.url ?? '') : '';
    const match = /^data:[^;]+;base64,(.*)$/.exec(url);
    return match ? [Buffer.from(match[1] ?? '', 'base64')] : [];
  });
  return { text, images };
}

/** Chat requests whose last user message contains `token`. */
export const requestsWith = (requests: LlmRequest[], token: string) =>
  requests.filter((r) => r.path.endsWith('/chat/completions') && lastUserTurn(r).text.includes(token));
