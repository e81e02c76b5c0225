import type { IncomingMessage, ServerResponse } from 'node:http';
import { isUpload, parseMultipart } from './fake-telegram-multipart.js';

/** One request to `POST /v1/audio/transcriptions`, as the fake received it. */
export type TranscriptionRequest = {
  model: string;
  language?: string;
  fileName: string;
  bytes: Buffer;
  /** Header names lower-cased. */
  authorization: string;
  at: number;
};

/** The transcript to answer, or a status to fail with. */
export type TranscriptionAnswer = { text: string } | { status: number; message?: string };

export type FakeTranscriptionApi = {
  /** Every transcription request, in order. */
  transcriptions(): TranscriptionRequest[];
  /** How the next requests are answered (default: `{ text: "transcript of <file name>" }`). */
  setTranscriber(answer: (request: TranscriptionRequest) => TranscriptionAnswer): void;
};

function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * OpenAI's speech-to-text endpoint (https://platform.openai.com/docs/api-reference/audio/createTranscription),
 * which Groq and other providers serve the same way: a multipart upload with `file` and
 * `model` (and optional `language`), answered `{ "text": ... }` (response_format json).
 */
export function createFakeTranscription() {
  const recorded: TranscriptionRequest[] = [];
  let answer = (request: TranscriptionRequest): TranscriptionAnswer => ({ text: `transcript of ${request.fileName}` });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = parseMultipart(req.headers['content-type'] ?? '', await readRaw(req));
    if (typeof parsed === 'string') return writeJson(res, 400, { error: { message: parsed, type: 'invalid_request_error' } });
    const file = parsed.file;
    if (!isUpload(file) || typeof parsed.model !== 'string' || parsed.model === '') {
      return writeJson(res, 400, { error: { message: 'file and model are required', type: 'invalid_request_error' } });
    }
    const request: TranscriptionRequest = {
      model: parsed.model,
      ...(typeof parsed.language === 'string' ? { language: parsed.language } : {}),
      fileName: file.filename,
      bytes: file.bytes,
      authorization: req.headers.authorization ?? '',
      at: Date.now(),
    };
    recorded.push(request);
    const outcome = answer(request);
    if ('status' in outcome) return writeJson(res, outcome.status, { error: { message: outcome.message ?? 'transcription failed', type: 'server_error' } });
    writeJson(res, 200, { text: outcome.text });
  }

  return {
    /** True when the request is for this endpoint (then `handle` answers it). */
    handles: (req: IncomingMessage) =>
      req.method === 'POST' && new URL(req.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/+$/, '') === '/v1/audio/transcriptions',
    handle(req: IncomingMessage, res: ServerResponse): void {
      handle(req, res).catch((error: unknown) => writeJson(res, 500, { error: { message: String(error), type: 'server_error' } }));
    },
    api: {
      transcriptions: () => [...recorded],
      setTranscriber(next) {
        answer = next;
      },
    } satisfies FakeTranscriptionApi,
  };
}
