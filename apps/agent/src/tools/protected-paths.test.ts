import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPathGuard, toRealPath, type PathAccess, type PathGuard } from './protected-paths.js';

/** `$NANOBOT_HOME` as a running cluster leaves it, a workspace with symlinks, and a folder outside. */
async function makeLayout() {
  const base = await mkdtemp(join(tmpdir(), 'nb-guard-'));
  const home = join(base, 'home');
  const workspace = join(home, 'workspace');
  const outside = join(base, 'outside');
  const files: Record<string, string> = {
    'home/config.json': '{"providers":{"openai":{"apiKey":"sk-secret"}}}',
    'home/redis/password': 'f'.repeat(64),
    'home/redis/appendonlydir/appendonly.aof.1.incr.aof': 'queued turns',
    'home/whatsapp-auth/creds.json': '{}',
    'home/whatsapp-auth.lock': '123',
    'home/whatsapp-bridge/token': 'bridge-token',
    'home/whatsapp-bridge/outbox.json': '[]',
    'home/something-a-later-version-adds': 'x',
    'home/media/whatsapp/photo.png': 'png',
    'home/workspace/notes.txt': 'notes',
    'outside/secret.txt': 'outside',
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(base, path, '..'), { recursive: true });
    await writeFile(join(base, path), text);
  }
  await symlink(join(home, 'config.json'), join(workspace, 'config-link'));
  await symlink(join(outside, 'secret.txt'), join(workspace, 'out-link'));
  await symlink(outside, join(workspace, 'out-dir'));
  await symlink(join(outside, 'planted.txt'), join(workspace, 'dangling-out'));
  await symlink(join(home, 'whatsapp-bridge', 'token-new'), join(workspace, 'dangling-secret'));
  return { base, home, workspace, outside };
}

type Layout = Awaited<ReturnType<typeof makeLayout>>;

async function verdict(guard: PathGuard, path: string, access: PathAccess = 'read'): Promise<string> {
  try {
    await guard.resolve(path, access);
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('the path guard', () => {
  let l: Layout;
  beforeAll(async () => {
    l = await makeLayout();
  });

  for (const restrictToWorkspace of [false, true]) {
    describe(`with restrictToWorkspace ${restrictToWorkspace}`, () => {
      const guard = () => createPathGuard({ workspace: l.workspace, nanobotHome: l.home, restrictToWorkspace });

      it("refuses the cluster's secrets, by any spelling and through symlinks", async () => {
        const paths = [
          join(l.home, 'config.json'), '../config.json', 'config-link', 'notes.txt/../../config.json',
          join(l.home, 'redis', 'password'), join(l.home, 'redis/appendonlydir/appendonly.aof.1.incr.aof'),
          join(l.home, 'whatsapp-auth', 'creds.json'), join(l.home, 'whatsapp-auth.lock'),
          join(l.home, 'whatsapp-bridge', 'token'), join(l.home, 'whatsapp-bridge', 'outbox.json'),
          join(l.home, 'something-a-later-version-adds'), l.home, '/proc/self/environ', `/proc/${process.pid}/cmdline`,
        ];
        for (const path of paths) expect(await verdict(guard(), path), path).toBe(`access denied: ${path} is protected`);
        for (const path of ['config-link', join(l.home, 'redis', 'redis.conf'), 'dangling-secret']) {
          expect(await verdict(guard(), path, 'write'), path).toBe(`access denied: ${path} is protected`);
        }
      });

      it('allows the workspace, new files in it, and reading received media', async () => {
        expect(await guard().resolve('notes.txt', 'read')).toBe(join(l.workspace, 'notes.txt'));
        expect(await guard().resolve('drafts/new/a.txt', 'write')).toBe(join(l.workspace, 'drafts/new/a.txt'));
        expect(await verdict(guard(), '.')).toBe('ok');
        expect(await verdict(guard(), join(l.home, 'media/whatsapp/photo.png'))).toBe('ok');
      });
    });
  }

  it("refuses pm2's folder, where every app's environment is kept, also through a symlink", async () => {
    const pm2Home = join(l.base, 'pm2-home');
    await mkdir(pm2Home, { recursive: true });
    await writeFile(join(pm2Home, 'dump.pm2'), '[{"env":{"REDIS_URL":"redis://:pw@db:6379"}}]');
    await symlink(pm2Home, join(l.workspace, 'pm2-link'));
    const guard = createPathGuard({ workspace: l.workspace, nanobotHome: l.home, restrictToWorkspace: false, pm2Home });
    for (const path of [join(pm2Home, 'dump.pm2'), 'pm2-link/dump.pm2', join(pm2Home, 'logs')]) {
      expect(await verdict(guard, path), path).toBe(`access denied: ${path} is protected`);
    }
    // Without PM2_HOME, pm2's default folder in the home directory is refused.
    const byDefault = createPathGuard({ workspace: l.workspace, nanobotHome: l.home, restrictToWorkspace: false });
    expect(await verdict(byDefault, '~/.pm2/dump.pm2')).toBe('access denied: ~/.pm2/dump.pm2 is protected');
  });

  it("refuses the TLS client key of our Redis wherever it lives, also through a symlink, and leaves its folder's other files alone", async () => {
    const certs = join(l.base, 'certs');
    await mkdir(certs, { recursive: true });
    await writeFile(join(certs, 'client.key'), '-----BEGIN PRIVATE KEY-----\n');
    await writeFile(join(certs, 'notes.txt'), 'public');
    await symlink(join(certs, 'client.key'), join(l.workspace, 'key-link'));
    const guard = createPathGuard({ workspace: l.workspace, nanobotHome: l.home, restrictToWorkspace: false, secretFiles: [join(certs, 'client.key')] });
    for (const path of [join(certs, 'client.key'), 'key-link']) {
      expect(await verdict(guard, path), path).toBe(`access denied: ${path} is protected`);
    }
    expect(await verdict(guard, join(certs, 'notes.txt'))).toBe('ok');
  });

  it('without restrictToWorkspace, paths outside the workspace that are no secret of ours are allowed', async () => {
    const guard = createPathGuard({ workspace: l.workspace, nanobotHome: l.home, restrictToWorkspace: false });
    expect(await guard.resolve('out-link', 'read')).toBe(join(l.outside, 'secret.txt'));
    expect(await verdict(guard, join(l.outside, 'secret.txt'))).toBe('ok');
    expect(await verdict(guard, '/etc/hostname')).toBe('ok');
  });

  it('with restrictToWorkspace, `..`, absolute paths and symlinks out are refused, for reads and new files', async () => {
    const guard = createPathGuard({ workspace: l.workspace, nanobotHome: l.home, restrictToWorkspace: true });
    const outsideWorkspace = (path: string) => `access denied: ${path} is outside the workspace`;
    for (const path of ['../../outside/secret.txt', join(l.outside, 'secret.txt'), 'out-link', 'out-dir/secret.txt', '~/.ssh/authorized_keys', '/etc/hostname']) {
      expect(await verdict(guard, path), path).toBe(outsideWorkspace(path));
    }
    for (const path of ['out-dir/new.txt', 'dangling-out', join(l.home, 'media/whatsapp/photo.png')]) {
      expect(await verdict(guard, path, 'write'), path).toBe(outsideWorkspace(path));
    }
  });

  it('keeps the secrets protected when the workspace is $NANOBOT_HOME itself, or $NANOBOT_HOME is reached through a symlink', async () => {
    const same = createPathGuard({ workspace: l.home, nanobotHome: l.home, restrictToWorkspace: true });
    expect(await verdict(same, 'config.json')).toBe('access denied: config.json is protected');
    expect(await verdict(same, 'whatsapp-auth.lock')).toBe('access denied: whatsapp-auth.lock is protected');
    expect(await verdict(same, 'workspace/notes.txt')).toBe('ok');
    const linkedHome = join(l.base, 'home-link');
    await symlink(l.home, linkedHome);
    const linked = createPathGuard({ workspace: join(linkedHome, 'workspace'), nanobotHome: linkedHome, restrictToWorkspace: false });
    expect(await verdict(linked, join(l.home, 'config.json'))).toMatch(/is protected$/);
    expect(await verdict(linked, join(linkedHome, 'config.json'))).toMatch(/is protected$/);
    expect(await verdict(linked, 'notes.txt')).toBe('ok');
  });
});

describe('toRealPath', () => {
  it('resolves deep paths that do not exist yet, and refuses a loop of symlinks', async () => {
    const base = await mkdtemp(join(tmpdir(), 'nb-real-'));
    const deep = Array.from({ length: 60 }, (_, i) => `d${i}`).join('/');
    expect(await toRealPath(join(base, deep, 'file.txt'))).toBe(join(base, deep, 'file.txt'));
    await symlink(join(base, 'loop-b'), join(base, 'loop-a'));
    await symlink(join(base, 'loop-a'), join(base, 'loop-b'));
    await expect(toRealPath(join(base, 'loop-a', 'x'))).rejects.toMatchObject({ code: 'ELOOP' });
  });
});
