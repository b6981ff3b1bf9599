/**
 * The hooks self-heal and the damage report, through the real CLI: a hook manager's damage (here
 * done by hand, as simple-git-hooks and lefthook do it) is repaired by the next heartbeat and
 * said once, or only warned about with hooks.autoRepair: false; a task worktree gets its own
 * hooks folder; a `git reset --hard` from outside in a live task worktree is flagged once.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { fakeAgentsYaml, makeRig, type Rig } from '../helpers/rig.js';

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.cleanup();
});

async function rigWith(config = ''): Promise<Rig> {
  const r = await makeRig({ config: fakeAgentsYaml(config) });
  rigs.push(r);
  return r;
}

function git(r: Rig, cwd: string, args: string[], env: Record<string, string> = {}) {
  const base = { ...r.env };
  delete base['BATON_ALLOW'];
  const p = spawnSync('git', args, { cwd, env: { ...base, ...env }, encoding: 'utf8' });
  return { code: p.status ?? 1, stdout: p.stdout, stderr: p.stderr };
}

async function heartbeat(r: Rig): Promise<{ problems: string[]; hooks: string[] }> {
  const once = await r.baton(['watch', '--once']);
  expect(once.code, once.stderr).toBe(0);
  return JSON.parse(readFileSync(path.join(r.root, 'tasks/logs/heartbeat.json'), 'utf8')) as {
    problems: string[];
    hooks: string[];
  };
}

describe('hooks self-heal', () => {
  it('repairs deleted and renamed shims on the next heartbeat and says so once', async () => {
    const r = await rigWith();
    const hooks = path.join(r.root, '.git/hooks');
    await fs.rm(path.join(hooks, 'reference-transaction'));
    await fs.rename(path.join(hooks, 'pre-commit'), path.join(hooks, 'pre-commit.old'));
    await fs.writeFile(path.join(hooks, 'pre-commit'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    expect((await r.baton(['hooks', 'status'])).code).toBe(1);

    const first = await heartbeat(r);
    expect(first.hooks).toHaveLength(1);
    expect(first.hooks[0]).toContain("re-installed baton's git hooks");
    expect(first.problems).toEqual(first.hooks);
    const status = await r.baton(['hooks', 'status']);
    expect(status.code, status.stdout).toBe(0);
    expect(status.stdout).toContain("pre-commit: ok (runs baton's check, then pre-commit.baton-chained)");
    expect(existsSync(path.join(hooks, 'pre-commit.old'))).toBe(false);
    expect(readFileSync(path.join(r.root, 'tasks/logs/hooks.jsonl'), 'utf8')).toContain(
      '"type":"hooks_repaired","by":"heartbeat"',
    );
    expect((await heartbeat(r)).hooks).toEqual([]);
  });

  it('with hooks.autoRepair: false, warns once and changes nothing', async () => {
    const r = await rigWith('hooks:\n  autoRepair: false\n');
    await fs.rm(path.join(r.root, '.git/hooks/pre-commit'));
    const first = await heartbeat(r);
    expect(first.hooks).toHaveLength(1);
    expect(first.hooks[0]).toContain('hooks.autoRepair is false, so run `baton hooks install`');
    expect(existsSync(path.join(r.root, '.git/hooks/pre-commit'))).toBe(false);
    expect((await heartbeat(r)).hooks).toEqual([]);
  });
});

describe('task worktrees', () => {
  it('run hooks from baton’s folder even where a relative core.hooksPath names nothing, and a reset --hard from outside is flagged once', async () => {
    const r = await rigWith();
    // What husky leaves: a relative, generated, git-ignored folder.
    expect(git(r, r.root, ['config', 'core.hooksPath', '.husky/_']).code).toBe(0);
    expect((await r.baton(['hooks', 'install'])).code).toBe(0);
    await r.writeTask('alpha', '@fake sleep=60000');
    expect((await r.baton(['dispatch', 'alpha'])).code).toBe(0);
    await r.waitFor('the worker', () => r.fakeEvents().some((e) => e.event === 'start'));
    const wt = realpathSync(path.join(r.worktreesDir, 'alpha'));
    expect(git(r, wt, ['config', '--show-scope', '--get', 'core.hooksPath']).stdout.trim()).toBe(
      `worktree\t${path.join(r.root, '.git/baton-hooks')}`,
    );
    // The main worktree's setting is untouched.
    expect(git(r, r.root, ['config', '--get', 'core.hooksPath']).stdout.trim()).toBe('.husky/_');

    const outside = git(r, wt, ['commit', '-q', '--allow-empty', '-m', 'from outside']);
    expect(outside.code).not.toBe(0);
    expect(outside.stderr).toContain('this commit does not come from it');

    // reset --hard has no hook before it changes files: baton refuses only the ref update
    // that follows, and the heartbeat says what happened.
    expect(git(r, r.root, ['commit', '-q', '--allow-empty', '-m', 'on main']).code).toBe(0);
    await fs.writeFile(path.join(wt, 'README.md'), 'the agent was here\n');
    const reset = git(r, wt, ['reset', '-q', '--hard', 'main']);
    expect(reset.code).not.toBe(0);
    expect(reset.stderr).toContain("Branch task/alpha is being worked on by task alpha's worker");
    expect(readFileSync(path.join(wt, 'README.md'), 'utf8')).toBe('# test repo\n');
    const first = await heartbeat(r);
    expect(first.problems.join('\n')).toContain(
      'task alpha: worktree changed under a live worker by someone else',
    );
    expect((await heartbeat(r)).hooks).toEqual([]);
  });
});
