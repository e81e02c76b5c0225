import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '@nanobot/config';
import { startFakeLlm, type FakeLlm } from '@nanobot/testkit';
import { createTranscriber } from './transcribe.js';

function ogg(seconds: number): Buffer {
  const page = (g: bigint, body: Buffer) => Buffer.concat([Buffer.from('OggS\0\0', 'latin1'), (() => { const b = Buffer.alloc(8); b.writeBigUInt64LE(g); return b; })(), Buffer.alloc(13), body]);
  const head = Buffer.concat([Buffer.from('OpusHead', 'latin1'), Buffer.from([1, 1, 0, 0, 0x80, 0xbb, 0, 0, 0, 0, 0])]);
  return Buffer.concat([page(0n, head), Buffer.alloc(500, 3), page(BigInt(seconds * 48_000), Buffer.alloc(10))]);
}

describe('transcription through an OpenAI-compatible /audio/transcriptions', () => {
  let llm: FakeLlm;
  let dir: string;
  beforeAll(async () => {
    llm = await startFakeLlm();
    dir = await mkdtemp(join(tmpdir(), 'transcribe-'));
  });
  afterAll(async () => llm.close());

  const make = (transcription: Record<string, unknown>, providers: Record<string, unknown> = { local: { apiKey: 'k', apiBase: llm.baseUrl } }) =>
    createTranscriber(configSchema.parse({ transcription, providers }), { maxRetries: 0 });

  it('sends the file with the model and language and returns the text', async () => {
    const path = join(dir, 'short.ogg');
    await writeFile(path, ogg(3));
    llm.setTranscriber((r) => ({ text: ` heard ${r.fileName} ` }));
    const text = await make({ provider: 'local', model: 'whisper-x', language: 'fr' })!.transcribe(path, AbortSignal.timeout(10_000));
    expect(text).toBe('heard short.ogg');
    expect(llm.transcriptions().at(-1)).toMatchObject({ model: 'whisper-x', language: 'fr', authorization: 'Bearer k' });
  });

  it('refuses a recording longer than maxDurationSec without sending it', async () => {
    const path = join(dir, 'long.ogg');
    await writeFile(path, ogg(150));
    const before = llm.transcriptions().length;
    await expect(make({ provider: 'local', maxDurationSec: 120 })!.transcribe(path, AbortSignal.timeout(10_000))).rejects.toThrow(/150 s long, over the 120 s/);
    expect(llm.transcriptions()).toHaveLength(before);
  });

  it('names the provider\'s status when it fails', async () => {
    const path = join(dir, 'fail.ogg');
    await writeFile(path, ogg(1));
    llm.setTranscriber(() => ({ status: 503 }));
    await expect(make({ provider: 'local' })!.transcribe(path, AbortSignal.timeout(10_000))).rejects.toThrow(/answered 503/);
  });

  it('is off when disabled or when the provider has neither key nor endpoint', () => {
    expect(make({ enabled: false, provider: 'local' })).toBeUndefined();
    expect(make({ provider: 'groq' }, {})).toBeUndefined();
    expect(make({ provider: 'groq' }, { groq: { apiKey: 'gsk' } })?.provider).toBe('groq');
  });
});
