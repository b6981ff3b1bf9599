/**
 * One manager, one install order, checked end to end on a real repository with a live worker:
 * the manager's hook runs (in the main worktree and in the task worktree) with its exit code
 * respected, the three rules are refused, `baton hooks status` is clean, and `baton hooks
 * uninstall` leaves the manager's files as a manager-only install has them and nothing of baton.
 */
import { promises as fs, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';

import { fakeAgentsYaml, makeRig, type Rig } from '../helpers/rig.js';
import { MANAGERS_BIN, run, type Manager, type Run } from './managers.js';

/** Which of the two installs comes first, and whether the manager runs again after baton. */
export type Order = 'manager first' | 'baton first' | 'manager re-run after baton';

/** A rig whose git and baton find the managers, with the manager's log and block files. */
export async function managerRig(m: Manager): Promise<{ r: Rig; log: string; block: string }> {
  const r = await makeRig({ init: false });
  const log = path.join(r.base, 'mgr.log');
  const block = path.join(r.base, 'mgr.block');
  r.env['PATH'] = `${MANAGERS_BIN}:${r.env['PATH'] ?? ''}`;
  Object.assign(r.env, { MGR_NAME: m.name, MGR_LOG: log, MGR_BLOCK: block });
  // pre-commit keeps its environments under $HOME/.cache: one per rig, nothing shared.
  r.env['XDG_CACHE_HOME'] = path.join(r.base, 'cache');
  return { r, log, block };
}

/** git as a person in another terminal: no BATON_RUN_ID, no BATON_ALLOW. */
export function git(r: Rig, cwd: string, args: string[], env: Record<string, string> = {}): Run {
  const base = { ...r.env };
  delete base['BATON_ALLOW'];
  return run('git', args, cwd, { ...base, ...env });
}

/**
 * A commit with a change in it (lefthook skips its commands when nothing is staged): appends to
 * `changes.txt`, stages it, commits.
 */
export async function commitChange(
  r: Rig,
  cwd: string,
  msg: string,
  env: Record<string, string> = {},
): Promise<Run> {
  await fs.appendFile(path.join(cwd, 'changes.txt'), `${msg}\n`);
  const add = git(r, cwd, ['add', '-A', '--', 'changes.txt'], env);
  if (add.code !== 0) return add;
  return git(r, cwd, ['commit', '-q', '-m', msg], env);
}

/** Every file under the manager's folders (mode and bytes), the repo's path made generic. */
export async function managerFiles(m: Manager, root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const d of m.dirs) {
    const dir = path.join(root, d);
    for (const name of (await fs.readdir(dir).catch(() => [] as string[])).sort()) {
      const st = await fs.lstat(path.join(dir, name));
      const text = st.isFile() ? await fs.readFile(path.join(dir, name), 'utf8') : 'dir';
      out[`${d}/${name}`] = `${(st.mode & 0o777).toString(8)} ${text.replaceAll(root, '<root>')}`;
    }
  }
  out['core.hooksPath'] = run('git', ['config', '--get', 'core.hooksPath'], root, {}).stdout.trim();
  return out;
}

/** What a manager-only install leaves: the manager run once, or twice for the re-run order. */
export async function managerOnly(m: Manager, order: Order): Promise<Record<string, string>> {
  const { r } = await managerRig(m);
  try {
    await m.setup(r.root, r.env);
    expectOk(await m.install(r.root, r.env, false));
    if (order === 'manager re-run after baton') expectOk(await m.install(r.root, r.env, true));
    return await managerFiles(m, r.root);
  } finally {
    await r.cleanup();
  }
}

function expectOk(x: Run): void {
  expect(x.code, x.stdout + x.stderr).toBe(0);
}

/** Runs the whole scenario. */
export async function scenario(m: Manager, order: Order): Promise<void> {
  const reference = await managerOnly(m, order);
  const { r, log, block } = await managerRig(m);
  try {
    await m.setup(r.root, r.env);
    if (order !== 'baton first') expectOk(await m.install(r.root, r.env, false));
    expectOk(await r.baton(['init']));
    await r.writeConfig(fakeAgentsYaml());
    if (order === 'baton first') expectOk(await m.install(r.root, r.env, false));
    if (order === 'manager re-run after baton') expectOk(await m.install(r.root, r.env, true));

    if (order !== 'manager first') {
      // What the manager did to baton's hooks, as status tells it: pre-commit's migration mode
      // still runs baton's check (kept as pre-commit.legacy); the others took it out.
      const before = await r.baton(['hooks', 'status']);
      if (m.name === 'pre-commit') {
        expect(before.stdout).toContain(
          "baton's check kept as pre-commit.legacy (pre-commit's migration mode)",
        );
      } else {
        expect(before.code, before.stdout).toBe(1);
      }
    }
    // The dispatch notices what the manager did to baton's hooks and repairs it.
    await r.writeTask('alpha', '@fake sleep=60000');
    await r.writeTask('beta', 'x');
    const d = await r.baton(['dispatch', 'alpha']);
    expectOk(d);
    await r.waitFor('the worker', () => r.fakeEvents().some((e) => e.event === 'start'));
    const runId = String(r.status('alpha')?.['runId']);
    const wt = realpathSync(path.join(r.worktreesDir, 'alpha'));

    if (order !== 'manager first') {
      const repairs = readFileSync(path.join(r.root, 'tasks/logs/hooks.jsonl'), 'utf8');
      expect(repairs).toContain('"type":"hooks_repaired","by":"dispatch"');
    }
    const status = await r.baton(['hooks', 'status']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toContain("pre-commit: ok (runs baton's check, then pre-commit.baton-chained)");
    expect(status.stdout).toContain('task worktrees: .git/baton-hooks');

    // The manager's hook runs, in the main worktree and the task's, and its exit code counts.
    expectOk(await commitChange(r, r.root, 'main ok'));
    expectOk(await commitChange(r, wt, 'agent ok', { BATON_RUN_ID: runId }));
    const seen = readFileSync(log, 'utf8');
    expect(seen).toContain(`${m.name} pre-commit ${r.root}\n`);
    expect(seen).toContain(`${m.name} pre-commit ${wt}\n`);
    await fs.writeFile(block, '');
    const blocked = await commitChange(r, wt, 'blocked', { BATON_RUN_ID: runId });
    expect(blocked.code).not.toBe(0);
    expect((await commitChange(r, r.root, 'blocked')).code).not.toBe(0);
    await fs.rm(block);

    // The three rules.
    const outside = await commitChange(r, wt, 'from outside');
    expect(outside.code).not.toBe(0);
    expect(outside.stderr).toContain('this commit does not come from it');
    expectOk(git(r, r.root, ['switch', '-q', '-c', 'task/beta'], { BATON_ALLOW: '1' }));
    const elsewhere = await commitChange(r, r.root, 'on beta');
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain('takes commits only in its worktree');
    expectOk(git(r, r.root, ['switch', '-q', 'main'], { BATON_ALLOW: '1' }));
    const moved = git(r, r.root, ['update-ref', 'refs/heads/task/alpha', 'main']);
    expect(moved.code).not.toBe(0);
    expect(moved.stderr).toContain("Branch task/alpha is being worked on by task alpha's worker");

    // Uninstall: the manager's files as a manager-only install left them, nothing of baton.
    const un = await r.baton(['hooks', 'uninstall']);
    expectOk(un);
    expect(await managerFiles(m, r.root)).toEqual(reference);
    expect(await batonTraces(r.root)).toEqual([]);
    // The manager's hook still runs in both worktrees once baton is gone (husky's only with the
    // per-worktree config gone: git then looks for .husky/_ in the task worktree itself).
    expectOk(await commitChange(r, r.root, 'after uninstall'));
  } finally {
    await r.cleanup();
  }
}

/** Files of baton left in the repository's git dir and hooks folders, and config it added. */
export async function batonTraces(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name === 'objects' || e.name === 'node_modules') continue;
        if (e.name === 'baton-hooks') out.push(p);
        await walk(p);
      } else if (e.isFile()) {
        if (e.name.includes('baton-chained') || e.name === 'config.worktree') out.push(p);
        else if (/(^|\/)hooks?\b|_$/.test(dir) || dir.endsWith('/_')) {
          const head = (await fs.readFile(p, 'utf8').catch(() => '')).slice(0, 300);
          if (head.includes('# baton-hook-shim')) out.push(p);
        }
      }
    }
  };
  await walk(path.join(root, '.git'));
  await walk(path.join(root, '.husky'));
  const ext = run('git', ['config', '--get', 'extensions.worktreeConfig'], root, {}).stdout.trim();
  if (ext !== '') out.push(`extensions.worktreeConfig=${ext}`);
  return out.map((p) => p.replace(root, '<root>'));
}
