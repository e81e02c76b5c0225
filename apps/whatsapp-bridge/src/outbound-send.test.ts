import { afterEach, describe, expect, it } from 'vitest';
import { connectClient } from './bridge-client.test-helper.js';
import { startBridgeFixture, token, type BridgeFixture } from './create-bridge.test-helper.js';

const alice = '4911111111@s.whatsapp.net';

describe('sends through the bridge', () => {
  let fixture: BridgeFixture | undefined;
  afterEach(async () => fixture?.cleanup());

  it('acknowledges a send with an id once WhatsApp took it, and answers a repeat without sending again', async () => {
    fixture = await startBridgeFixture();
    const socket = await fixture.sockets.socket(1);
    socket.open();
    const client = await connectClient(fixture.url, { token, acks: true });
    client.send({ type: 'send', id: 'r1-0', to: alice, text: 'hello' });
    await client.next((f) => f.type === 'ack' && f.id === 'r1-0');
    expect(client.frames).toContainEqual({ type: 'sent', to: alice, id: 'r1-0' });
    client.send({ type: 'send', id: 'r1-0', to: alice, text: 'hello' });
    await new Promise((r) => setTimeout(r, 100));
    expect(client.frames.filter((f) => f.type === 'ack')).toHaveLength(2);
    expect(socket.sent).toEqual([{ jid: alice, content: { text: 'hello' } }]);
    await client.close();
  });

  it('remembers sent ids across a bridge restart', async () => {
    fixture = await startBridgeFixture();
    (await fixture.sockets.socket(1)).open();
    const first = await connectClient(fixture.url, { token, acks: true });
    first.send({ type: 'send', id: 'r2-0', to: alice, text: 'once' });
    await first.next((f) => f.type === 'ack');
    await first.close();
    await fixture.restart();
    const socket = await fixture.sockets.socket(2);
    socket.open();
    const second = await connectClient(fixture.url, { token, acks: true });
    second.send({ type: 'send', id: 'r2-0', to: alice, text: 'once' });
    await second.next((f) => f.type === 'ack' && f.id === 'r2-0');
    expect(socket.sent).toEqual([]);
    await second.close();
  });

  it('answers "unavailable" without acknowledging while WhatsApp is disconnected, then sends on retry', async () => {
    fixture = await startBridgeFixture();
    const socket = await fixture.sockets.socket(1);
    const client = await connectClient(fixture.url, { token, acks: true });
    client.send({ type: 'send', id: 'r3-0', to: alice, text: 'later' });
    expect(await client.next((f) => f.type === 'error')).toMatchObject({ id: 'r3-0', code: 'unavailable' });
    socket.open();
    client.send({ type: 'send', id: 'r3-0', to: alice, text: 'later' });
    await client.next((f) => f.type === 'ack' && f.id === 'r3-0');
    expect(socket.sent).toHaveLength(1);
    await client.close();
  });

  it('sends a nanobot send frame without an id and answers with "sent"', async () => {
    fixture = await startBridgeFixture();
    const socket = await fixture.sockets.socket(1);
    socket.open();
    const python = await connectClient(fixture.url, { token });
    python.send({ type: 'send', to: '4911111111', text: 'plain number' });
    expect(await python.next((f) => f.type === 'sent')).toEqual({ type: 'sent', to: '4911111111' });
    expect(socket.sent).toEqual([{ jid: alice, content: { text: 'plain number' } }]);
    expect(python.frames.some((f) => f.type === 'ack')).toBe(false);
    await python.close();
  });

  it('rejects media whose file does not exist', async () => {
    fixture = await startBridgeFixture();
    (await fixture.sockets.socket(1)).open();
    const client = await connectClient(fixture.url, { token, acks: true });
    client.send({ type: 'send_media', id: 'm1', to: alice, filePath: '/nonexistent/x.png', mimetype: 'image/png' });
    expect(await client.next((f) => f.type === 'error')).toMatchObject({ id: 'm1', code: 'rejected' });
    await client.close();
  });
});
