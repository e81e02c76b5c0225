import { describe, expect, it } from 'vitest';
import { parseBridgeFrame } from './bridge-frames.js';

const message = { type: 'message', id: 'M1', sender: '491@s.whatsapp.net', content: 'hi', timestamp: 1, deliveryId: '491@s.whatsapp.net/M1' };

describe('parseBridgeFrame', () => {
  it('reads a valid message frame', () => {
    expect(parseBridgeFrame(JSON.stringify(message))).toMatchObject({ kind: 'frame', frame: { type: 'message', id: 'M1' } });
  });

  it('keeps a message frame that fails validation, with its delivery id and a reason that names no value', () => {
    const parsed = parseBridgeFrame(JSON.stringify({ ...message, content: 42, timestamp: 'secret text' }));
    expect(parsed).toEqual({
      kind: 'bad-message',
      bad: {
        raw: { ...message, content: 42, timestamp: 'secret text' },
        deliveryId: message.deliveryId,
        reason: 'invalid message frame at content: Invalid input: expected string, received number; timestamp: Invalid input: expected number, received string',
      },
    });
    expect(parseBridgeFrame(JSON.stringify({ type: 'message' }))).toMatchObject({ kind: 'bad-message', bad: { deliveryId: undefined } });
  });

  it('ignores frame types it does not know and text that is not JSON', () => {
    expect(parseBridgeFrame(JSON.stringify({ type: 'presence', who: 'x' }))).toEqual({ kind: 'unknown', reason: 'unrecognised frame of type presence' });
    expect(parseBridgeFrame('{')).toEqual({ kind: 'unknown', reason: 'not JSON' });
    expect(parseBridgeFrame('[1]')).toEqual({ kind: 'unknown', reason: 'unrecognised frame of type object' });
  });
});
