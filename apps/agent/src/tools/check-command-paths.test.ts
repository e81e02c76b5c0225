import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCommandPaths } from './check-command-paths.js';
import { expandBraces } from './expand-path-word.js';
import { createPathGuard } from './protected-paths.js';
import { splitShellWords } from './shell-words.js';

describe('the look at a command before exec runs it', () => {
  let home: string;
  let workspace: string;
  beforeAll(async () => {
    home = join(await mkdtemp(join(tmpdir(), 'nb-cmd-')), 'home');
    workspace = join(home, 'workspace');
    await mkdir(join(workspace, 'src'), { recursive: true });
    await writeFile(join(workspace, 'src', 'a.ts'), '');
    await writeFile(join(home, 'config.json'), '{}');
    await symlink(join(home, 'config.json'), join(workspace, 'link.json'));
  });
  const check = (command: string, restrictToWorkspace: boolean) =>
    checkCommandPaths({ command, cwd: workspace, env: { HOME: home, PATH: '/usr/bin' }, guard: createPathGuard({ workspace, nanobotHome: home, restrictToWorkspace }), restrictToWorkspace });

  it('lets everyday commands in the workspace through, restricted or not', async () => {
    const everyday = ["ls -la", 'git status && git diff --stat', "grep -rn 'TODO' src", "find . -name '*.ts'", "sed -i 's/a/b/g' src/a.ts", "awk '{print $1}' src/a.ts", 'echo "done" > /dev/null 2>&1', 'cat src/*.ts | wc -l', 'curl -s https://example.com/a/b', 'npm test -- --reporter=dot', 'for f in src/*; do echo $f; done'];
    for (const command of everyday) {
      expect(await check(command, true), command).toBeUndefined();
      expect(await check(command, false), command).toBeUndefined();
    }
  });

  it('lets absolute paths outside the workspace through only without the restriction', async () => {
    expect(await check('ls /usr/bin', false)).toBeUndefined();
    expect(await check('ls /usr/bin', true)).toMatch(/\/usr\/bin is outside the workspace/);
    expect(await check('cat ~user/x', true)).toMatch(/cannot check the path ~user\/x/);
  });

  it('finds a secret behind braces, globs, variables, a symlink, a file:// URL and a nested script', async () => {
    for (const command of ['cat ~/{config.json,x}', 'cat ~/c?nfig.json', 'cat ${HOME}/config.json', 'cat link.json', 'curl file://' + join(home, 'config.json'), `sh -c 'cat "$HOME/config.json"'`, 'tar czf x.tgz --directory=' + home + ' .']) {
      expect(await check(command, false), command).toMatch(/is protected\)$/);
    }
  });

  it('splits commands at ;, &&, ||, | and & but not inside quotes or redirections', () => {
    expect(splitShellWords("echo 'a; b' && ls | wc -l; sleep 1 & echo x 2>&1").segments).toEqual(["echo 'a; b'", 'ls', 'wc -l', 'sleep 1', 'echo x 2>&1']);
    expect(splitShellWords('cat "a b" c\\ d').words.map((w) => w.text)).toEqual(['cat', 'a b', 'c d']);
    expect(expandBraces('a{b,c{d,e}}f')).toEqual(['abf', 'acdf', 'acef']);
  });
});
