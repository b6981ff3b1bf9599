/**
 * The shims installed from the one template (hooks/baton-hook.sh): `baton init` writes, for each
 * hook, exactly the template rendered for it; a shim of an older baton is seen as baton's and
 * upgraded in place; and each installed shim runs, asking baton under its own hook name.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { installHooks } from '../../src/hooks/install.js';
import { HOOK_NAMES, type HookName } from '../../src/hooks/rules.js';
import { HOOK_REFUSED } from '../../src/hooks/run.js';
import { fillShim, templatePath } from '../../src/hooks/shim.js';
import { formatLockRecord } from '../../src/store/lock-record.js';
import { fakeAgentsYaml, makeRig, projectRoot, type Rig } from '../helpers/rig.js';

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.cleanup();
});

const template = readFileSync(templatePath(), 'utf8');

describe('installed shims', () => {
  it('are the template rendered for each hook; an older shim is stale and upgraded in place', async () => {
    const r = await makeRig();
    rigs.push(r);
    const hooksDir = path.join(r.root, '.git/hooks');
    // The rig runs dist/cli/main.js with this node, so the shims point at both.
    const target = { node: process.execPath, entry: path.join(projectRoot, 'dist/cli/hook-main.js') };
    for (const name of HOOK_NAMES) {
      const file = path.join(hooksDir, name);
      expect(await fs.readFile(file, 'utf8')).toBe(fillShim(template, name, target));
      expect((await fs.stat(file)).mode & 0o777).toBe(0o755);
    }
    expect((await r.baton(['hooks', 'status'])).code).toBe(0);

    // The five copies baton shipped before the template wrote the hook's name unquoted.
    const preCommit = path.join(hooksDir, 'pre-commit');
    const current = await fs.readFile(preCommit, 'utf8');
    await fs.writeFile(preCommit, current.replace("\nhook='pre-commit'\n", '\nhook=pre-commit\n'));
    const status = await r.baton(['hooks', 'status', '--json']);
    expect(status.code).toBe(1);
    const { problems } = JSON.parse(status.stdout) as { problems: { kind: string; hook: string }[] };
    expect(problems.map((p) => [p.kind, p.hook])).toEqual([['stale', 'pre-commit']]);
    const install = await r.baton(['hooks', 'install']);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toContain('updated git hooks pre-commit');
    expect(install.stdout).not.toContain('kept the existing');
    expect(existsSync(`${preCommit}.baton-chained`)).toBe(false);
    expect(await fs.readFile(preCommit, 'utf8')).toBe(current);
    expect((await r.baton(['hooks', 'status'])).code).toBe(0);
  });

  it('each run and ask baton under their own hook name', async () => {
    const r = await makeRig({ init: false });
    rigs.push(r);
    await r.writeConfig(fakeAgentsYaml());
    const git = (cwd: string, ...args: string[]): string =>
      execFileSync('git', args, { cwd, env: r.env, encoding: 'utf8' });
    // Where every hook has to ask: HEAD on task x's branch outside its worktree (the commit and
    // checkout hooks), and task y's worktree locked by another run (reference-transaction).
    await r.writeTask('x', 'x');
    await r.writeTask('y', 'y');
    git(r.root, 'switch', '-q', '-c', 'task/x');
    const wt = path.join(r.worktreesDir, 'y');
    git(r.root, 'worktree', 'add', '-q', '-b', 'task/y', wt, 'main');
    const at = new Date().toISOString();
    const lock = formatLockRecord({
      holder: { pid: 1, startTime: '1', bootId: 'b' },
      runId: 'r-other',
      epoch: 1,
      rev: 0,
      slug: 'y',
      acquiredAt: at,
      heartbeatAt: at,
      released: false,
      agent: null,
    });
    await fs.writeFile(path.join(git(wt, 'rev-parse', '--absolute-git-dir').trim(), 'baton.lock'), lock);

    // A stand-in for baton: the shim runs `<node> <entry> <hook> <args>`, so sh runs this script.
    const fakeBaton = path.join(r.base, 'fake-baton.sh');
    await fs.writeFile(
      fakeBaton,
      `{ printf '%s\\n' "$*"; cat; } >>"$FAKE_BATON_LOG"\nexit "$FAKE_BATON_EXIT"\n`,
    );
    await installHooks(r.root, { node: '/bin/sh', entry: fakeBaton });

    const log = path.join(r.base, 'asked.log');
    const sha = (c: string): string => c.repeat(40);
    const calls: Record<HookName, { args: string[]; input: string }> = {
      'pre-commit': { args: [], input: '' },
      'pre-merge-commit': { args: [], input: '' },
      'pre-rebase': { args: ['main'], input: '' },
      'post-checkout': { args: [sha('a'), sha('b'), '1'], input: '' },
      'reference-transaction': { args: ['prepared'], input: `${sha('a')} ${sha('b')} refs/heads/task/y\n` },
    };
    const env: Record<string, string> = { ...r.env, FAKE_BATON_LOG: log };
    delete env.BATON_ALLOW;
    delete env.BATON_RUN_ID;
    for (const name of HOOK_NAMES) {
      const { args, input } = calls[name];
      const run = (exit: number): SpawnSyncReturns<string> =>
        spawnSync(path.join(r.root, '.git/hooks', name), args, {
          cwd: r.root,
          env: { ...env, FAKE_BATON_EXIT: String(exit) },
          input,
          encoding: 'utf8',
        });
      await fs.rm(log, { force: true });
      const allowed = run(0);
      expect(allowed.status, `${name}: ${allowed.stderr}`).toBe(0);
      expect(readFileSync(log, 'utf8'), name).toBe(`${[name, ...args].join(' ')}\n${input}`);
      expect(run(HOOK_REFUSED).status, name).toBe(1);
      const failed = run(3);
      expect(failed.status, name).toBe(0);
      expect(failed.stderr).toContain(`baton: ${name} hook: baton failed (exit 3)`);
    }
  });
});
