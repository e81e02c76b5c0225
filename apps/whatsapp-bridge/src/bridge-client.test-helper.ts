import WebSocket from 'ws';

export type TestClient = {
  frames: Array<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  send(frame: Record<string, unknown>): void;
  next(predicate: (frame: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
};

/** A raw WebSocket client of the bridge for tests; optionally sends the auth frame first. */
export async function connectClient(url: string, auth?: Record<string, unknown>, headers?: Record<string, string>): Promise<TestClient> {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...(headers ? { headers } : {}) });
  const frames: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  if (auth !== undefined) ws.send(JSON.stringify({ type: 'auth', ...auth }));
  return {
    frames,
    closed,
    send: (frame) => ws.send(JSON.stringify(frame)),
    async next(predicate, timeoutMs = 3_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = frames.find(predicate);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(frames)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await closed;
    },
  };
}
