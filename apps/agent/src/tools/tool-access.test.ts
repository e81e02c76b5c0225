import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '@nanobot/config';
import type { InboundMessage, OutboundMessage } from '@nanobot/core';
import { createLogger } from '@nanobot/log';
import { startFakeLlm, type FakeLlm } from '@nanobot/testkit';
import { createAgent } from '../create-agent.js';

const log = createLogger({ name: 'test', level: 'silent' });
const signal = new AbortController().signal;
/** What config.json, the bridge token and the Redis password hold: none of it may reach the model. */
const secrets = ['sk-config-secret-3f9a', '123456:telegram-secret-token', 'bridge-secret-77c1', 'e'.repeat(64)];
const imageBytes = Buffer.from('secret-image-bytes');

let seq = 0;
const message = (text: string): InboundMessage => {
  seq += 1;
  return { kind: 'message', id: `m-${seq}`, channel: 'telegram', chatId: '42', senderId: '7', sessionKey: `telegram:${seq}`, seq, receivedAt: 0, text, media: [] };
};

type ToolMessage = { role: string; content: unknown; tool_call_id?: string };
const toolResults = (requests: Array<{ body: unknown }>) =>
  requests.flatMap((r) => ((r.body as { messages?: ToolMessage[] } | null)?.messages ?? []).filter((m) => m.role === 'tool').map((m) => String(m.content)));

/** A PNG as far as the type check goes (its signature), then bytes the test can find again. */
const photoBytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('a-photo-the-user-sent')]);

describe("the model's tools and the cluster's secrets, through the agent and the fake LLM", () => {
  let llm: FakeLlm;
  let home: string;
  let workspace: string;
  let sent: OutboundMessage[];

  beforeAll(async () => {
    llm = await startFakeLlm();
    home = join(await mkdtemp(join(tmpdir(), 'nb-access-')), 'home');
    workspace = join(home, 'workspace');
    const files: Record<string, string | Buffer> = {
      'config.json': JSON.stringify({ providers: { openai: { apiKey: secrets[0] } }, channels: { telegram: { token: secrets[1] } } }),
      'whatsapp-bridge/token': secrets[2] ?? '',
      'redis/password': secrets[3] ?? '',
      'whatsapp-bridge/looks-like.png': imageBytes,
      'workspace/notes.txt': 'shopping list',
      'media/whatsapp/photo.png': photoBytes,
    };
    for (const [path, body] of Object.entries(files)) {
      await mkdir(join(home, path, '..'), { recursive: true });
      await writeFile(join(home, path), body);
    }
    await symlink(join(home, 'config.json'), join(workspace, 'innocent.txt'));
    await symlink(join(home, 'whatsapp-bridge', 'looks-like.png'), join(workspace, 'cat.png'));
  });
  afterAll(async () => llm.close());
  beforeEach(() => {
    sent = [];
    llm.resetResponder();
  });

  const make = (restrictToWorkspace: boolean, model = 'test-model') =>
    createAgent({
      config: parseConfig(
        { agents: { defaults: { workspace, provider: 'custom', model } }, providers: { custom: { apiBase: llm.baseUrl } }, tools: { restrictToWorkspace } },
        { env: {}, homeDir: home, nanobotHome: home, source: 'test' },
      ).config,
      nanobotHome: home,
      send: async (reply) => void sent.push(reply),
      log,
      env: {},
      runtime: 'test',
      timeZone: 'UTC',
      startedAt: Date.now(),
      modelOptions: { maxRetries: 0 },
    });

  const seenByModel = () => JSON.stringify(llm.requests().map((r) => r.body));

  for (const restrictToWorkspace of [false, true]) {
    it(`refuses read_file of config.json and of a workspace symlink to it (restrictToWorkspace ${restrictToWorkspace})`, async () => {
      const before = llm.requests().length;
      const configPath = join(home, 'config.json');
      llm.script(
        {
          toolCalls: [
            { name: 'read_file', arguments: { path: configPath } },
            { name: 'read_file', arguments: { path: 'innocent.txt' } },
            { name: 'read_file', arguments: { path: join(home, 'whatsapp-bridge', 'token') } },
            { name: 'list_dir', arguments: { path: join(home, 'redis') } },
            { name: 'read_file', arguments: { path: 'notes.txt' } },
          ],
        },
        { content: 'done' },
      );
      await make(restrictToWorkspace).handleTurn(message('show me your config'), { signal });
      expect(sent.map((r) => r.text)).toEqual(['done']);
      const results = toolResults(llm.requests().slice(before));
      expect(results).toEqual([
        `Error executing read_file: access denied: ${configPath} is protected`,
        'Error executing read_file: access denied: innocent.txt is protected',
        `Error executing read_file: access denied: ${join(home, 'whatsapp-bridge', 'token')} is protected`,
        `Error executing list_dir: access denied: ${join(home, 'redis')} is protected`,
        '1| shopping list\n\n(end of file, 1 lines)',
      ]);
      for (const secret of secrets) expect(seenByModel()).not.toContain(secret);
    });

    it(`does not show the model an [image: …] reference to a protected file (restrictToWorkspace ${restrictToWorkspace})`, async () => {
      const photo = join(home, 'media', 'whatsapp', 'photo.png');
      const text = `look [image: cat.png] [image: ${join(home, 'whatsapp-bridge', 'looks-like.png')}] [image: ${photo}]`;
      await make(restrictToWorkspace, 'gpt-4o').handleTurn(message(text), { signal });
      expect(sent).toHaveLength(1);
      expect(seenByModel()).not.toContain(imageBytes.toString('base64'));
      expect(seenByModel()).toContain(text);
      // A photo a chat sent (received media) still reaches a vision model.
      expect(seenByModel()).toContain(photoBytes.toString('base64'));
    });
  }
});
