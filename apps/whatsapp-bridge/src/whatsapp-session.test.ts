import { existsSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectClient } from './bridge-client.test-helper.js';
import { startBridgeFixture, token, type BridgeFixture } from './create-bridge.test-helper.js';

describe('the WhatsApp session of the bridge', () => {
  let fixture: BridgeFixture | undefined;
  afterEach(async () => fixture?.cleanup());

  it('prints the QR code and broadcasts it to clients', async () => {
    const printQr = vi.fn();
    fixture = await startBridgeFixture({ printQr });
    const client = await connectClient(fixture.url, { token, role: 'observer' });
    (await fixture.sockets.socket(1)).qr('2@qr-code-data');
    expect(await client.next((f) => f.type === 'qr')).toEqual({ type: 'qr', qr: '2@qr-code-data' });
    expect(printQr).toHaveBeenCalledWith('2@qr-code-data');
    expect(await client.next((f) => f.type === 'status' && f.status === 'qr')).toBeDefined();
    await client.close();
  });

  it('reconnects with a new socket after a close that is not a logout', async () => {
    fixture = await startBridgeFixture();
    const client = await connectClient(fixture.url, { token });
    const first = await fixture.sockets.socket(1);
    first.open();
    await client.next((f) => f.type === 'status' && f.status === 'connected');
    first.close(428);
    await client.next((f) => f.type === 'status' && f.status === 'disconnected');
    const second = await fixture.sockets.socket(2);
    second.open();
    expect(fixture.bridge.status()).toBe('connected');
    // Late events of the replaced socket change nothing.
    first.close(500);
    await new Promise((r) => setTimeout(r, 100));
    expect(fixture.sockets.sockets).toHaveLength(2);
    expect(fixture.bridge.status()).toBe('connected');
    await client.close();
  });

  it('waits longer before each reconnect while connections keep failing', async () => {
    fixture = await startBridgeFixture({ reconnectBaseMs: 60, reconnectMaxMs: 10_000 });
    (await fixture.sockets.socket(1)).close(408);
    const t1 = Date.now();
    (await fixture.sockets.socket(2)).close(408);
    const t2 = Date.now();
    await fixture.sockets.socket(3);
    const t3 = Date.now();
    expect(t2 - t1).toBeGreaterThanOrEqual(55);
    expect(t3 - t2).toBeGreaterThanOrEqual(115);
  });

  it('after a logout stops reconnecting, says re-link needed, and moves the dead credentials aside', async () => {
    fixture = await startBridgeFixture();
    const client = await connectClient(fixture.url, { token, role: 'observer' });
    const socket = await fixture.sockets.socket(1);
    await socket.auth.saveCreds();
    socket.open();
    socket.close(401);
    const status = await client.next((f) => f.type === 'status' && f.status === 'logged_out');
    expect(status.detail).toMatch(/re-link needed/);
    await new Promise((r) => setTimeout(r, 150));
    expect(fixture.sockets.sockets).toHaveLength(1);
    const entries = readdirSync(fixture.dir);
    expect(entries.some((e) => e.startsWith('whatsapp-auth.logged-out-'))).toBe(true);
    expect(existsSync(`${fixture.dir}/whatsapp-auth/creds.json`)).toBe(false);

    client.send({ type: 'login' });
    const fresh = await fixture.sockets.socket(2);
    fresh.qr('new-qr');
    expect(await client.next((f) => f.type === 'qr' && f.qr === 'new-qr')).toBeDefined();
    await client.close();
  });

  it('reconnects at once when WhatsApp asks for a restart after pairing', async () => {
    fixture = await startBridgeFixture({ reconnectBaseMs: 5_000 });
    const before = Date.now();
    (await fixture.sockets.socket(1)).close(515);
    await fixture.sockets.socket(2, 1_000);
    expect(Date.now() - before).toBeLessThan(1_000);
  });
});
