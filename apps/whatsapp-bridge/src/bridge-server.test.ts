import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectClient } from './bridge-client.test-helper.js';
import { startBridgeFixture, token, type BridgeFixture } from './create-bridge.test-helper.js';

describe('the bridge handshake', () => {
  let fixture: BridgeFixture | undefined;
  afterEach(async () => fixture?.cleanup());

  it('closes with 4001 "Auth timeout" when no auth frame arrives in time', async () => {
    fixture = await startBridgeFixture({ authTimeoutMs: 150 });
    const client = await connectClient(fixture.url);
    expect(await client.closed).toEqual({ code: 4001, reason: 'Auth timeout' });
  });

  it('closes with 4003 "Invalid token" on a wrong token', async () => {
    fixture = await startBridgeFixture();
    const client = await connectClient(fixture.url, { token: 'wrong' });
    expect(await client.closed).toEqual({ code: 4003, reason: 'Invalid token' });
  });

  it('closes with 4003 when the first frame is not an auth frame', async () => {
    fixture = await startBridgeFixture();
    const client = await connectClient(fixture.url);
    client.send({ type: 'send', to: '49123@s.whatsapp.net', text: 'hi' });
    expect((await client.closed).code).toBe(4003);
  });

  it('refuses a connection that carries an Origin header', async () => {
    fixture = await startBridgeFixture();
    const ws = new WebSocket(fixture.url, { headers: { Origin: 'https://evil.example' } });
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    ws.on('error', () => undefined); // terminating a refused socket reports an error: expected
    ws.terminate();
    expect(status).toBe(403);
  });

  it('answers a correct token with the current status', async () => {
    fixture = await startBridgeFixture();
    const client = await connectClient(fixture.url, { token });
    const status = await client.next((f) => f.type === 'status');
    expect(['connecting', 'disconnected']).toContain(status.status);
    await client.close();
  });
});
