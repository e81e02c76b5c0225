import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toAnthropicMessages } from '../llm/anthropic-model.js';
import { toOpenAiMessages } from '../llm/openai-model.js';
import { createPathGuard } from '../tools/protected-paths.js';
import { toUserContent } from './to-user-content.js';

describe('a received photo as the model sees it', () => {
  it('is an image part with the file\'s bytes in both the OpenAI and the Anthropic format, typed by its bytes', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'content-'));
    const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('jpeg body')]);
    // Named .png, but a JPEG: the type comes from the bytes, or the provider would refuse the turn.
    await writeFile(join(workspace, 'photo.png'), bytes);
    const guard = createPathGuard({ workspace, nanobotHome: join(workspace, 'home'), restrictToWorkspace: true });
    const path = join(workspace, 'photo.png');
    const content = await toUserContent({ text: `what is it?\n[image: ${path}]`, media: [path], vision: true, guard });
    const [openai] = toOpenAiMessages([{ role: 'user', content }]);
    const url = `data:image/jpeg;base64,${bytes.toString('base64')}`;
    expect(openai).toEqual({ role: 'user', content: [{ type: 'text', text: `what is it?\n[image: ${path}]` }, { type: 'image_url', image_url: { url } }] });
    const anthropic = toAnthropicMessages([{ role: 'user', content }]).messages[0];
    expect(anthropic?.content).toEqual([
      { type: 'text', text: `what is it?\n[image: ${path}]` },
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: bytes.toString('base64') } },
    ]);
  });

  it('is named as unreadable when it is gone or no image, and the text still goes', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'content-'));
    await writeFile(join(workspace, 'fake.jpg'), 'plain text');
    const guard = createPathGuard({ workspace, nanobotHome: join(workspace, 'home'), restrictToWorkspace: true });
    const gone = join(workspace, 'gone.png');
    const fake = join(workspace, 'fake.jpg');
    const content = await toUserContent({ text: 'look', media: [gone, fake], vision: true, guard });
    expect(content).toBe(`look\n[image ${gone} could not be read: the file is gone]\n[image ${fake} could not be read: not a PNG, JPEG, GIF or WebP image]`);
  });
});
