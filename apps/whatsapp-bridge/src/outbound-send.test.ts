import { afterEach, describe, expect, it } from 'vitest';
import { connectClient } from './bridge-client.test-helper.js';
import { startBridgeFixture, token, type BridgeFixture } from './create-bridge.test-helper.js';
import { toWaMessageId } from './send-to-whatsapp.js';

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

  it('sends a frame cut short by a bridge crash again as the same WhatsApp message', async () => {
    fixture = await startBridgeFixture();
    const before = await fixture.sockets.socket(1);
    before.open();
    // WhatsApp takes the message, then the bridge dies before it can record or acknowledge it.
    before.holdSends = true;
    const first = await connectClient(fixture.url, { token, acks: true });
    first.send({ type: 'send', id: 'r4-0', to: alice, text: 'in flight' });
    const deadline = Date.now() + 2_000;
    while (before.sent.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await first.close();
    await fixture.restart();
    const after = await fixture.sockets.socket(2);
    after.open();
    const second = await connectClient(fixture.url, { token, acks: true });
    second.send({ type: 'send', id: 'r4-0', to: alice, text: 'in flight' });
    await second.next((f) => f.type === 'ack' && f.id === 'r4-0');

    expect(after.sent).toEqual([{ jid: alice, content: { text: 'in flight' } }]);
    const id = toWaMessageId(alice, 'r4-0');
    expect(before.sendOptions).toEqual([{ messageId: id }]);
    expect(after.sendOptions).toEqual([{ messageId: id }]);
    expect(second.frames.some((f) => f.type === 'error')).toBe(false);
    await second.close();
  });

  it('gives every send id its own WhatsApp message id, the same for the same id and recipient', () => {
    expect(toWaMessageId(alice, 'r5-0')).toMatch(/^3EB0[0-9A-F]{18}$/);
    expect(toWaMessageId('4911111111', 'r5-0')).toBe(toWaMessageId(alice, 'r5-0'));
    expect(toWaMessageId(alice, 'r5-1')).not.toBe(toWaMessageId(alice, 'r5-0'));
    expect(toWaMessageId('4922222222@s.whatsapp.net', 'r5-0')).not.toBe(toWaMessageId(alice, 'r5-0'));
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
