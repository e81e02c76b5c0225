import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { defaultConfig, parseConfig, toSerializableConfig, type LoadedConfig } from '@nanobot/config';
import { applySetup, fillMissing, isEmptySetup, type OnboardSetup } from './onboard-config.js';

const templates: Record<string, string> = {
  'AGENTS.md': '# Agent instructions\n\nYou are a helpful personal assistant. Be concise and accurate.\nAsk when a request is unclear. Use your tools when they help.\n',
  'SOUL.md': '# Soul\n\nFriendly, direct and honest. You say so when you do not know.\n',
  'USER.md': '# User\n\nWhat you learn about the user (name, timezone, preferences) goes here.\n',
  'TOOLS.md': '# Tools\n\nNotes on how to use the tools available to you.\n',
  'HEARTBEAT.md': '# Heartbeat tasks\n\nTasks listed here are checked every 30 minutes. Leave empty for none.\n',
  'memory/MEMORY.md': '# Long-term memory\n\nDurable facts worth remembering across conversations.\n',
};

async function writeIfMissing(path: string, text: string): Promise<boolean> {
  try {
    await writeFile(path, text, { flag: 'wx', encoding: 'utf8' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * nanobot's `onboard`: the config file (kept if it exists; `refresh` adds the
 * fields a newer version knows while keeping every value) and the workspace
 * with its templates (never overwritten). `setup` (checked by the caller) is written into
 * the file, new or existing, keeping everything else.
 */
export async function onboard(
  loaded: LoadedConfig,
  options: {
    refresh: boolean;
    print: (line: string) => void;
    setup?: OnboardSetup;
    /** Where `${VAR}` references of the file are looked up while reading it (never written back). */
    env?: Record<string, string | undefined>;
  },
) {
  const setup = options.setup ?? {};
  await mkdir(dirname(loaded.path), { recursive: true });
  const write = async (config: Record<string, unknown>) => {
    const changed = applySetup(config, setup);
    await writeFile(loaded.path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    for (const line of changed) options.print(`  set ${line}`);
  };
  if (!loaded.exists) {
    const fresh = toSerializableConfig(defaultConfig()) as { agents: { defaults: Record<string, unknown> }; tools: Record<string, unknown> };
    // Left out so that the workspace follows NANOBOT_HOME.
    delete fresh.agents.defaults.workspace;
    // A new install keeps the model's file tools inside the workspace; false (nanobot's
    // default, kept for existing files) lets them reach every file this user can.
    fresh.tools.restrictToWorkspace = true;
    options.print(`Created config at ${loaded.path}`);
    await write(fresh);
  } else if (options.refresh || !isEmptySetup(setup)) {
    const raw = JSON.parse(await readFile(loaded.path, 'utf8')) as Record<string, unknown>;
    const { config } = parseConfig(raw, { env: options.env ?? {}, homeDir: '', nanobotHome: loaded.nanobotHome, source: loaded.path });
    const defaults = toSerializableConfig(config);
    // The workspace stays unwritten when the file has none: it follows NANOBOT_HOME.
    delete (defaults.agents as { defaults: Record<string, unknown> }).defaults.workspace;
    options.print(`${options.refresh ? 'Refreshed' : 'Updated'} config at ${loaded.path} (existing values kept)`);
    await write(fillMissing(raw, defaults));
  } else {
    options.print(`Config already exists at ${loaded.path} (kept; --refresh adds new fields, --wizard asks for the provider, key, model and Telegram token again)`);
  }
  const workspace = loaded.config.agents.defaults.workspace;
  await mkdir(join(workspace, 'memory'), { recursive: true });
  await mkdir(join(workspace, 'skills'), { recursive: true });
  for (const [name, text] of Object.entries(templates)) {
    if (await writeIfMissing(join(workspace, name), text)) options.print(`Created ${join(workspace, name)}`);
  }
  options.print(`Workspace ready at ${workspace}`);
}
