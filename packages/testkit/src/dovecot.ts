import { execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server.js';

const run = promisify(execFile);

export type Dovecot = {
  port: number;
  user: string;
  password: string;
  dir: string;
  /** Stops the server (kill of its master by pid); the Maildir stays. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its directory. */
  close(): Promise<void>;
};

/**
 * A real Dovecot IMAP server on loopback for one test file: its own config, a free port, plain
 * LOGIN (no TLS), one passwd-file user, the Maildir in a temp dir. Mail runs as Dovecot's own
 * system user, which Dovecot wants instead of root. Needs scripts/ensure-dovecot.sh.
 */
export async function startDovecot(): Promise<Dovecot> {
  const dir = await mkdtemp(join(tmpdir(), 'nanobot-dovecot-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const user = 'ada';
  const password = 'imap-test-password';
  await mkdir(join(dir, 'run'));
  await mkdir(join(dir, 'mail'));
  const { stdout } = await run('id', ['-u', 'dovecot']);
  const uid = Number(stdout.trim());
  await chown(join(dir, 'mail'), uid, uid).catch(() => undefined);
  await writeFile(join(dir, 'passwd'), `${user}:{PLAIN}${password}::::\n`, { mode: 0o644 });
  const config = join(dir, 'dovecot.conf');
  await writeFile(config, [
    'protocols = imap', 'listen = 127.0.0.1', `base_dir = ${dir}/run`, `state_dir = ${dir}/state`, `log_path = ${dir}/dovecot.log`,
    'ssl = no', 'first_valid_uid = 1', 'disable_plaintext_auth = no', 'auth_mechanisms = plain login', 'mail_location = maildir:~/Maildir',
    `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${dir}/passwd\n}`,
    `userdb {\n  driver = static\n  args = uid=dovecot gid=dovecot home=${dir}/mail/%u\n}`,
    `service imap-login {\n  chroot =\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ${String(port)}\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}`,
    'service anvil {\n  chroot =\n}', '',
  ].join('\n'));
  const pidFile = join(dir, 'run', 'master.pid');
  const start = async (): Promise<void> => {
    await rm(pidFile, { force: true });
    // Dovecot forks into the background; its stdio is not piped, or the daemon would hold it open.
    await new Promise<void>((resolve, reject) => {
      const child = spawn('/usr/sbin/dovecot', ['-c', config], { stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', (code) => { if (code === 0) resolve(); else reject(new Error(`dovecot exited with ${String(code)}; see ${dir}/dovecot.log`)); });
    });
  };
  const gone = async (pid: number): Promise<boolean> => {
    for (let i = 0; i < 100; i += 1) {
      try { process.kill(pid, 0); } catch { return true; }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  };
  const stop = async (): Promise<void> => {
    const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    if (!pid) return;
    // The master's children, the imap sessions among them, by pid: a stopped master leaves an
    // imap process serving its client, so a restart would not cut the connection as a real one does.
    const { stdout: children } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)]).catch(() => ({ stdout: '' }));
    process.kill(pid, 'SIGTERM');
    if (!(await gone(pid))) process.kill(pid, 'SIGKILL');
    for (const child of children.split('\n').map((line) => Number(line.trim())).filter((n) => n > 0)) {
      try { process.kill(child, 'SIGKILL'); } catch { /* already gone: nothing to stop */ }
    }
  };
  await start();
  return { port, user, password, dir, start, stop, close: async () => { await stop(); await rm(dir, { recursive: true, force: true }); } };
}
