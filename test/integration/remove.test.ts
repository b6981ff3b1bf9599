/**
 * `baton remove` end to end (README.md, "Finishing a task"): never under a live worker, never throwing agent
 * work away without --force, the branch deleted once merged, and `removed` in history.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRig, type Rig } from '../helpers/rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig();
});
afterEach(async () => {
  await rig.cleanup();
});

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, env: rig.env, encoding: 'utf8' });
const hasBranch = (branch: string): boolean => git(rig.root, 'branch', '--list', branch).trim() !== '';
const worktree = (slug: string): string => path.join(rig.worktreesDir, slug);

/** Dispatches `slug` with `body` and waits until its worker has ended. */
async function runToEnd(slug: string, body: string): Promise<void> {
  await rig.writeTask(slug, body);
  const r = await rig.baton(['dispatch', slug]);
  expect(r.code, r.stderr).toBe(0);
  await rig.waitFor(`${slug} to finish`, () => {
    const s = rig.status(slug);
    return s && s.state === 'idle' && s.pid === null;
  });
}

describe('remove', () => {
  it('keeps the epoch rising across a remove: the next worktree gets a higher fencing token', async () => {
    await runToEnd('alpha', 'Say hello.');
    expect(rig.status('alpha')?.epoch).toBe(1);
    const r = await rig.baton(['remove', 'alpha']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(worktree('alpha'))).toBe(false);
    await runToEnd('alpha', 'Say hello again.');
    expect(rig.status('alpha')?.epoch).toBe(2);
    const epochs = rig
      .history('alpha')
      .filter((h) => h.type === 'task_dispatched')
      .map((h) => h.epoch);
    expect(epochs).toEqual([1, 2]);
  });

  it('refuses while a live worker holds the task, naming it (exit 3)', async () => {
    await rig.writeTask('alpha', '@fake sleep=20000');
    const d = await rig.baton(['dispatch', 'alpha']);
    expect(d.code, d.stderr).toBe(0);
    const runId = d.stdout.trim();
    const s = await rig.waitFor('running', () => {
      const st = rig.status('alpha');
      return st?.state === 'running' ? st : null;
    });
    const r = await rig.baton(['remove', 'alpha', '--force']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`pid ${String(s.pid)}`);
    expect(r.stderr).toContain(runId);
    expect(existsSync(worktree('alpha'))).toBe(true);
    expect(rig.history('alpha').some((h) => h.type === 'removed')).toBe(false);
    // The worker still holds its lock and runs on.
    expect(rig.status('alpha')?.state).toBe('running');
  });

  it('refuses with uncommitted changes (untracked included), then --force removes them and says so', async () => {
    await runToEnd('alpha', 'Say hello.');
    await fs.writeFile(path.join(worktree('alpha'), 'notes.txt'), 'agent scratch\n');
    const r = await rig.baton(['remove', 'alpha']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Task alpha was not removed: its worktree has 1 uncommitted change\./);
    expect(r.stderr).toContain('baton remove alpha --force');
    expect(r.stderr.trim().split('\n')).toHaveLength(2); // one sentence, one hint
    expect(existsSync(path.join(worktree('alpha'), 'notes.txt'))).toBe(true);

    const f = await rig.baton(['remove', 'alpha', '--force']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toContain('discarding 1 uncommitted change');
    expect(f.stdout).toContain('deleted branch task/alpha (merged into main)');
    expect(existsSync(worktree('alpha'))).toBe(false);
    expect(hasBranch('task/alpha')).toBe(false);
  });

  it('refuses with commits on no remote and not merged; --force deletes the branch and prints how to restore it', async () => {
    await runToEnd('alpha', 'Commit something.\n@fake commit');
    expect(rig.fakeEvents().find((e) => e.event === 'commit')?.ok).toBe(true);
    const head = git(rig.root, 'rev-parse', 'task/alpha').trim();

    const r = await rig.baton(['remove', 'alpha']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'its branch task/alpha has 1 commit that is on no remote and not merged into main',
    );
    expect(r.stderr).toContain('merge task/alpha into main or push it');
    expect(existsSync(worktree('alpha'))).toBe(true);
    expect(hasBranch('task/alpha')).toBe(true);

    const f = await rig.baton(['remove', 'alpha', '--force']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toContain('deleted branch task/alpha although it was not merged');
    expect(f.stdout).toContain(`git branch task/alpha ${head}`);
    expect(existsSync(worktree('alpha'))).toBe(false);
    expect(hasBranch('task/alpha')).toBe(false);
    const removed = rig.history('alpha').find((h) => h.type === 'removed');
    expect(removed).toMatchObject({
      branchDeleted: true,
      force: true,
      unmergedHead: head,
      unmergedCommits: 1,
    });
  });

  it('deletes a merged branch with the worktree; history has removed; status keeps the state without worktree or branch', async () => {
    await runToEnd('alpha', 'Commit something.\n@fake commit');
    git(rig.root, 'merge', '-q', '--ff-only', 'task/alpha');
    const r = await rig.baton(['remove', 'alpha']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`removed worktree ${path.join(rig.worktreesDir, 'alpha')}`);
    expect(r.stdout).toContain('deleted branch task/alpha (merged into main)');
    expect(existsSync(worktree('alpha'))).toBe(false);
    expect(hasBranch('task/alpha')).toBe(false);
    expect(git(rig.root, 'worktree', 'list')).not.toContain('alpha');
    const removed = rig.history('alpha').find((h) => h.type === 'removed');
    expect(removed).toMatchObject({
      branch: 'task/alpha',
      branchDeleted: true,
      force: false,
      discardedChanges: 0,
    });
    expect(rig.status('alpha')).toMatchObject({ state: 'idle', worktree: null, branch: null, pid: null });

    // Idempotent, and the task can run again in a new worktree.
    const again = await rig.baton(['remove', 'alpha']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to remove');
    const d = await rig.baton(['dispatch', 'alpha']);
    expect(d.code, d.stderr).toBe(0);
    await rig.waitFor(
      'second run',
      () => rig.status('alpha')?.runs === 2 && rig.status('alpha')?.pid === null,
    );
    expect(existsSync(worktree('alpha'))).toBe(true);
  });

  it('removes the worktree but keeps an unmerged branch whose commits are on a remote', async () => {
    const remote = path.join(rig.base, 'remote.git');
    execFileSync('git', ['init', '-q', '--bare', remote]);
    git(rig.root, 'remote', 'add', 'origin', remote);
    await runToEnd('alpha', 'Commit something.\n@fake commit');
    git(rig.root, 'push', '-q', 'origin', 'task/alpha');
    const r = await rig.baton(['remove', 'alpha']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'kept branch task/alpha: it is not merged into main (its commits are on a remote)',
    );
    expect(existsSync(worktree('alpha'))).toBe(false);
    expect(hasBranch('task/alpha')).toBe(true);
    expect(rig.status('alpha')).toMatchObject({ worktree: null, branch: 'task/alpha' });
  });

  it('exits 4 for an unknown task', async () => {
    const r = await rig.baton(['remove', 'nope']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('There is no task nope');
  });
});
