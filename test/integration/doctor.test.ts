/**
 * `baton doctor` against problems made for real in a temp repository: a SIGKILLed worker, a
 * worktree without a task, a task worktree switched to another branch, a task branch checked
 * out elsewhere, a deleted worktree folder, temp files of dead writers, a stale claim, and a
 * repository baton never initialised.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRig, type Rig, processAlive } from '../helpers/rig.js';

interface Json {
  problems: { kind: string; message: string; fix: string; fixable: boolean; fixed: boolean }[];
  notes: { kind: string; message: string; fix: string }[];
}

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig();
});
afterEach(async () => {
  await rig.cleanup();
});

async function doctor(...args: string[]): Promise<{ code: number; json: Json; stderr: string }> {
  const r = await rig.baton(['doctor', '--json', ...args]);
  return { code: r.code, json: JSON.parse(r.stdout) as Json, stderr: r.stderr };
}

/** git in the rig, allowed past baton's hooks: the test makes the mess the hooks would refuse. */
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: { ...rig.env, BATON_ALLOW: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const alive = processAlive;

function makeOld(file: string, content = 'partial'): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  const then = new Date(Date.now() - 120_000);
  utimesSync(file, then, then);
}

const byKind = (j: Json, kind: string) => j.problems.filter((p) => p.kind === kind);

describe('doctor', () => {
  it('finds nothing wrong in a freshly initialised repository', async () => {
    const r = await rig.baton(['doctor']);
    expect(r.stdout).toContain('No problems found.');
    expect(r.code).toBe(0);
    const d = await doctor();
    expect(d.json).toEqual({ problems: [], notes: [] });
  });

  it('reports each problem with its fix, fixes the safe ones, and leaves worktrees, branches and claims alone', async () => {
    // A worker killed with SIGKILL while its agent runs: status says running, the lock is dead.
    await rig.writeTask('gone', '@fake sleep=20000');
    expect((await rig.baton(['dispatch', 'gone'])).code).toBe(0);
    const running = await rig.waitFor('gone running', () => {
      const s = rig.status('gone');
      return s?.state === 'running' && typeof s.agentPid === 'number' ? s : null;
    });
    const workerPid = running.pid as number;
    process.kill(workerPid, 'SIGKILL');
    await rig.waitFor('worker dead', () => !alive(workerPid));

    // A worktree in worktreesDir with no task; a folder there git does not know.
    const stray = path.join(rig.worktreesDir, 'stray');
    git(rig.root, 'worktree', 'add', '-q', '-b', 'stray-work', stray);
    mkdirSync(path.join(rig.worktreesDir, 'junk'));
    // A task worktree switched to another branch.
    await rig.writeTask('alpha', 'Say hello.');
    const alphaWt = path.join(rig.worktreesDir, 'alpha');
    git(rig.root, 'worktree', 'add', '-q', '-b', 'task/alpha', alphaWt);
    git(alphaWt, 'switch', '-q', '-c', 'side');
    // A task branch checked out outside its worktree.
    await rig.writeTask('beta', 'Say hello.');
    git(rig.root, 'branch', 'task/beta');
    const elsewhere = path.join(rig.base, 'elsewhere');
    git(rig.root, 'worktree', 'add', '-q', elsewhere, 'task/beta');
    // A task worktree whose folder was deleted.
    await rig.writeTask('gamma', 'Say hello.');
    const gammaWt = path.join(rig.worktreesDir, 'gamma');
    git(rig.root, 'worktree', 'add', '-q', '-b', 'task/gamma', gammaWt);
    rmSync(gammaWt, { recursive: true, force: true });
    // Temp files of dead writers (old), one of a live writer (fresh), a stale claim.
    const oldTmp = path.join(rig.root, 'tasks', 'delta.md.tmp');
    const atomicLeftover = path.join(rig.root, 'tasks/logs', 'dispatch-gone.status.json.3141592653');
    const inboxTmp = path.join(rig.root, 'tasks/logs/inbox/alpha', '.1700000000000-abcd.stop.md.tmp');
    const claim = path.join(rig.root, 'tasks/logs/inbox/alpha', '.claim-0badcafe.alpha.followup.md');
    // A cache in git's common dir, left mid-write by write-file-atomic.
    const cacheLeftover = path.join(rig.root, '.git', 'baton-task-index.json.2718281828');
    makeOld(oldTmp);
    makeOld(cacheLeftover, '{"format":');
    makeOld(atomicLeftover, '{"slug":');
    makeOld(inboxTmp);
    makeOld(claim, 'please also do this\n');
    const freshTmp = path.join(rig.root, 'tasks/logs', 'being-written.tmp');
    writeFileSync(freshTmp, 'x');

    const first = await doctor();
    expect(first.code).toBe(1);
    const j = first.json;
    const gone = byKind(j, 'worker-gone');
    expect(gone).toHaveLength(1);
    expect(gone[0]!.message).toContain(`pid ${workerPid}`);
    expect(gone[0]!.fix).toContain('baton continue gone');
    expect(byKind(j, 'orphan-worktree').map((p) => p.message)).toEqual([expect.stringContaining(stray)]);
    expect(byKind(j, 'orphan-worktree')[0]!.fix).toContain(`git worktree remove ${stray}`);
    expect(byKind(j, 'not-a-worktree')[0]!.message).toContain(path.join(rig.worktreesDir, 'junk'));
    const wrong = byKind(j, 'wrong-branch');
    expect(wrong).toHaveLength(1);
    expect(wrong[0]!.message).toContain('side');
    expect(wrong[0]!.fix).toContain('switch task/alpha');
    const misplaced = byKind(j, 'branch-elsewhere');
    expect(misplaced).toHaveLength(1);
    expect(misplaced[0]!.message).toContain(elsewhere);
    expect(byKind(j, 'prunable-worktree')).toHaveLength(1);
    const temps = byKind(j, 'stray-temp').map((p) => p.message);
    expect(temps).toHaveLength(4);
    for (const f of [oldTmp, atomicLeftover, inboxTmp, cacheLeftover])
      expect(temps.some((m) => m.includes(path.relative(rig.root, f)))).toBe(true);
    expect(temps.some((m) => m.includes('being-written'))).toBe(false);
    expect(byKind(j, 'stale-claim')).toHaveLength(1);
    for (const p of j.problems) {
      expect(p.message, p.kind).not.toBe('');
      expect(p.fix, p.kind).not.toBe('');
      expect(p.fixed).toBe(false);
    }
    // Nothing was changed by looking.
    expect(existsSync(oldTmp)).toBe(true);
    expect(rig.status('gone')?.state).toBe('running');

    const fix = await doctor('--fix');
    expect(fix.code).toBe(1); // worktrees, branches and the claim need a person
    const fixedKinds = new Set(fix.json.problems.filter((p) => p.fixed).map((p) => p.kind));
    expect([...fixedKinds].sort()).toEqual(['prunable-worktree', 'stray-temp', 'worker-gone']);
    for (const p of fix.json.problems) expect(p.fixed, p.kind).toBe(p.fixable);
    expect(rig.status('gone')).toMatchObject({ state: 'worker_gone', pid: null, agentPid: null });
    expect(
      rig
        .history('gone')
        .some((h) => h.type === 'state_changed' && h.to === 'worker_gone' && h.by === 'doctor'),
    ).toBe(true);
    for (const f of [oldTmp, atomicLeftover, inboxTmp, cacheLeftover]) expect(existsSync(f), f).toBe(false);
    expect(existsSync(freshTmp)).toBe(true);
    expect(existsSync(claim)).toBe(true);
    expect(existsSync(stray)).toBe(true);
    expect(git(rig.root, 'worktree', 'list')).not.toContain(gammaWt);

    // A second run: the fixed ones are gone; the dead lock is a note (the next run takes it over).
    const second = await doctor();
    const kinds = new Set(second.json.problems.map((p) => p.kind));
    for (const k of ['worker-gone', 'stray-temp', 'prunable-worktree']) expect(kinds.has(k), k).toBe(false);
    expect(second.json.notes.map((n) => n.kind)).toEqual(['stale-lock']);
    expect(second.json.notes[0]!.message).toContain(`pid ${workerPid}`);

    // Once a person has done what the fixes say, the repository is healthy.
    git(rig.root, 'worktree', 'remove', '--force', stray);
    rmSync(path.join(rig.worktreesDir, 'junk'), { recursive: true });
    git(alphaWt, 'switch', '-q', 'task/alpha');
    git(rig.root, 'worktree', 'remove', elsewhere);
    rmSync(claim);
    const third = await rig.baton(['doctor']);
    expect(third.stdout).toContain('No problems found.');
    expect(third.code).toBe(0);
  });

  it('--fix prepares a repository baton never initialised: tasks/logs/, .gitignore, hooks', async () => {
    const bare = await makeRig({ init: false });
    try {
      const before = await bare.baton(['doctor', '--json']);
      expect(before.code).toBe(1);
      const j = JSON.parse(before.stdout) as Json;
      const kinds = j.problems.map((p) => p.kind);
      expect(kinds).toContain('missing-dir');
      expect(kinds).toContain('logs-not-ignored');
      expect(kinds).toContain('hook-missing');
      const fixed = await bare.baton(['doctor', '--fix']);
      expect(fixed.stdout).toContain('none left');
      expect(fixed.code).toBe(0);
      expect(existsSync(path.join(bare.root, 'tasks/logs'))).toBe(true);
      expect(readFileSync(path.join(bare.root, '.gitignore'), 'utf8')).toContain('tasks/logs/');
      const after = await bare.baton(['doctor', '--json']);
      expect(JSON.parse(after.stdout)).toEqual({ problems: [], notes: [] });
      expect(after.code).toBe(0);
    } finally {
      await bare.cleanup();
    }
  });

  it('reports files under tasks/logs/ that git tracks, and does not untrack them itself', async () => {
    writeFileSync(path.join(rig.root, 'tasks/logs/keep.txt'), 'x');
    git(rig.root, 'add', '-f', 'tasks/logs/keep.txt');
    git(rig.root, 'commit', '-q', '--no-verify', '-m', 'oops');
    const d = await doctor('--fix');
    expect(d.code).toBe(1);
    expect(byKind(d.json, 'logs-tracked')[0]).toMatchObject({ fixable: false, fixed: false });
    expect(byKind(d.json, 'logs-tracked')[0]!.fix).toContain('git rm -r --cached tasks/logs');
  });
});
