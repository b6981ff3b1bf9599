/**
 * Task dependencies (issue 16 item 2): `after:` holds a task `blocked` until its dependencies are
 * done (and merged, with `after-merge: true`); the watcher dispatches it on the dependency's file
 * event, not the heartbeat; impossible `after:` lists make a task invalid without stopping the
 * watcher; a watcher killed -9 between a done and the dispatch it allows loses nothing; `base:
 * after` starts from the dependency's branch. Real watcher, real worktrees, fake agents.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  agentStarts,
  fakeAgentsYaml,
  makeRig,
  processAlive,
  spawnBaton,
  type Background,
  type Rig,
} from '../helpers/rig.js';

let rig: Rig;
afterEach(async () => {
  await rig.cleanup();
});

const starts = (slug: string): number => agentStarts(rig, slug).length;
const startedAt = (slug: string): number => agentStarts(rig, slug)[0]?.t ?? NaN;
const git = (...args: string[]): string =>
  execFileSync('git', args, { cwd: rig.root, encoding: 'utf8', env: rig.env }).trim();

/** `status --json`'s entry for each task, by slug. */
async function board(): Promise<Record<string, Record<string, unknown>>> {
  const r = await rig.baton(['status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  const tasks = (JSON.parse(r.stdout) as { tasks: Record<string, unknown>[] }).tasks;
  return Object.fromEntries(tasks.map((t) => [t.slug as string, t]));
}

/** The time of the last heartbeat cycle the watcher wrote (ms), or 0 before the first. */
function lastCycle(): number {
  const f = path.join(rig.root, 'tasks/logs/heartbeat.json');
  if (!existsSync(f)) return 0;
  try {
    return Date.parse((JSON.parse(readFileSync(f, 'utf8')) as { ts: string }).ts);
  } catch {
    return 0; // being replaced
  }
}

/** The states of the tasks as the last heartbeat cycle left them, by slug. */
function cycleStates(): Record<string, string> {
  const f = path.join(rig.root, 'tasks/logs/heartbeat.json');
  try {
    const r = JSON.parse(readFileSync(f, 'utf8')) as { tasks: { slug: string; state: string }[] };
    return Object.fromEntries(r.tasks.map((t) => [t.slug, t.state]));
  } catch {
    return {}; // none yet, or being replaced
  }
}

async function startWatcher(env: Record<string, string> = {}): Promise<Background> {
  const before = lastCycle();
  const w = spawnBaton({ ...rig, env: { ...rig.env, ...env } }, ['watch']);
  await w.waitForLine(/watching/);
  await waitLogged(w, 'the first cycle', () => lastCycle() > before);
  return w;
}

/** `rig.waitFor`, failing with the watcher's log. */
function waitLogged<T>(
  w: Background,
  what: string,
  fn: () => T | Promise<T>,
  ms = 30_000,
): Promise<NonNullable<T>> {
  return rig.waitFor(what, fn, ms).catch((e: unknown) => {
    throw new Error(`${String(e)}; the watch log:\n${w.output()}`);
  });
}

/** Marks `slug` done in its file, keeping its other front matter; returns when (ms). */
async function markDone(slug: string, body: string, front: Record<string, unknown> = {}): Promise<number> {
  const at = Date.now();
  await rig.writeTask(slug, body, { ...front, status: 'done' });
  return at;
}

const types = (slug: string): string[] => rig.history(slug).map((e) => e.type as string);

describe('task dependencies', () => {
  it('a → b → c dispatch in order as each is marked done, on its file event, nothing started early', async () => {
    // The heartbeat is an hour away: only the file events can start b and c.
    rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 3600\nmaxConcurrent: 4') });
    await rig.writeTask('a', 'Do A.');
    await rig.writeTask('b', 'Do B.', { after: ['a'] });
    await rig.writeTask('c', 'Do C.', { after: 'b' });
    const w = await startWatcher();

    await waitLogged(w, 'a to run and finish', () => rig.isIdle('a'));
    // a's end raised a cycle of its own (a slot freed): it saw a idle and b blocked, and started nothing.
    await waitLogged(w, 'a cycle that saw a idle', () => {
      const states = cycleStates();
      return states.a === 'idle' && states.b === 'blocked';
    });
    let seen = await board();
    expect(seen.b).toMatchObject({ state: 'blocked', blockedOn: ['a'], after: ['a'] });
    expect(seen.c).toMatchObject({ state: 'blocked', blockedOn: ['b'] });
    expect((seen.b?.waiting as { detail: string }).detail).toBe(
      'Waiting for a (idle): the watcher dispatches it as soon as the last is done.',
    );
    const text = await rig.baton(['status']);
    expect(text.stdout).toMatch(/b\s.*blocked/);
    expect(text.stdout).toContain('Waiting for a (idle)');
    expect(starts('b') + starts('c')).toBe(0);

    const aDone = await markDone('a', 'Do A.');
    await waitLogged(w, 'b to start once a is done', () => starts('b') === 1);
    expect(startedAt('b')).toBeGreaterThanOrEqual(aDone);
    console.log(`b's agent started ${startedAt('b') - aDone} ms after a was marked done`);
    expect(types('b')).toContain('unblocked');
    expect(rig.history('b').find((e) => e.type === 'unblocked')).toMatchObject({
      after: ['a'],
      by: 'watcher',
    });

    await waitLogged(w, 'b to finish', () => rig.isIdle('b'));
    seen = await board();
    expect(seen.c).toMatchObject({ state: 'blocked', blockedOn: ['b'] });
    expect(starts('c')).toBe(0);
    const bDone = await markDone('b', 'Do B.', { after: ['a'] });
    await waitLogged(w, 'c to start once b is done', () => starts('c') === 1);
    expect(startedAt('c')).toBeGreaterThanOrEqual(bDone);
    // Each ran once, in order.
    expect([starts('a'), starts('b'), starts('c')]).toEqual([1, 1, 1]);
    expect(startedAt('a')).toBeLessThan(startedAt('b'));
    expect(w.output()).not.toMatch(/error/i);
  });

  it('a dependency marked done while its agent still works unblocks when its worker ends', async () => {
    rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 3600\nmaxConcurrent: 4') });
    const go = path.join(rig.base, 'a-may-finish');
    const body = `@fake sleep=0\n@fake wait-for=${go}`;
    await rig.writeTask('a', body);
    await rig.writeTask('b', 'Do B.', { after: ['a'] });
    const w = await startWatcher();
    await waitLogged(w, 'a to start', () => starts('a') === 1);

    const aDone = await markDone('a', body);
    await waitLogged(w, 'a cycle after a was marked done', () => lastCycle() >= aDone);
    const seen = await board();
    expect(seen.a).toMatchObject({ state: 'running' });
    expect(seen.b).toMatchObject({ state: 'blocked', blockedOn: ['a'] });
    expect(starts('b')).toBe(0);

    await fs.writeFile(go, '');
    await waitLogged(w, 'b to start once a has ended', () => starts('b') === 1);
    const aEnd = rig.fakeEvents().find((e) => e.event === 'end' && e.pid === agentStarts(rig, 'a')[0]?.pid);
    expect(aEnd).toBeDefined();
    expect(startedAt('b')).toBeGreaterThanOrEqual(aEnd?.t ?? Infinity);
  });

  it('a cycle and an unknown slug make those tasks invalid, spelled out, and the watcher goes on', async () => {
    rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 3600\nmaxConcurrent: 4') });
    await rig.writeTask('x', 'Do X.', { after: ['y'] });
    await rig.writeTask('y', 'Do Y.', { after: ['x'] });
    await rig.writeTask('u', 'Do U.', { after: ['nope'] });
    await rig.writeTask('me', 'Do me.', { after: ['me'] });
    await rig.writeTask('ok', 'Do OK.');
    const w = await startWatcher();
    await waitLogged(w, 'ok to start', () => starts('ok') === 1);

    const seen = await board();
    expect(seen.x).toMatchObject({ state: 'invalid' });
    expect(seen.x?.error).toBe('tasks/x.md: after: makes a cycle, x → y → x: no task in it could ever start');
    expect(seen.y?.error).toContain('y → x → y');
    expect(seen.me?.error).toContain('me → me');
    expect(seen.u).toMatchObject({ state: 'invalid' });
    expect(seen.u?.error).toContain('no tasks/nope.md');

    // The watcher still reacts: a task written now is dispatched at once.
    await rig.writeTask('later', 'Do later.');
    await waitLogged(w, 'later to start', () => starts('later') === 1);
    expect(processAlive(w.pid)).toBe(true);
    expect(starts('x') + starts('y') + starts('u') + starts('me')).toBe(0);

    const r = await rig.baton(['dispatch', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('x → y → x');
  });

  it('dispatch by hand refuses a blocked task in one sentence; --force starts it and says so in history', async () => {
    rig = await makeRig();
    await rig.writeTask('a', 'Do A.', { status: 'draft' });
    await rig.writeTask('b', 'Do B.', { after: ['a'] });
    const r = await rig.baton(['dispatch', 'b']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Task b waits for a (draft).');
    expect(r.stderr).toContain('baton dispatch b --force');
    expect(starts('b')).toBe(0);
    expect(rig.history('b')).toEqual([]);

    // A follow-up for it is accepted and waits for the task's own first run.
    const f = await rig.baton(['followup', 'b', 'Also B2.']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toContain(
      "queued as #1 for b; it runs after the task's first run, which waits: Task b waits for a (draft).",
    );
    expect(starts('b')).toBe(0);

    const forced = await rig.baton(['dispatch', 'b', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    await rig.waitFor('b to run its prompt, then the follow-up', () => starts('b') === 2 && rig.isIdle('b'));
    expect(agentStarts(rig, 'b').map((e) => String(e.prompt).trim())).toEqual(['Do B.', 'Also B2.']);
    expect(rig.history('b').find((e) => e.type === 'unblocked')).toMatchObject({
      forced: true,
      waitingFor: ['a'],
      by: 'dispatch',
    });
  });

  it('kill -9 of the watcher between a done and b dispatched: a restarted watcher dispatches b exactly once', async () => {
    rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 1\nmaxConcurrent: 4') });
    await rig.writeTask('a', 'Do A.');
    await rig.writeTask('b', 'Do B.', { after: ['a'] });
    const crashLog = path.join(rig.base, 'crash.jsonl');
    const w = await startWatcher({ BATON_CRASH_AT: 'dispatch.unblocked', BATON_CRASH_LOG: crashLog });
    await waitLogged(w, 'a to finish', () => rig.isIdle('a'));

    await markDone('a', 'Do A.');
    const code = await w.exited;
    expect(code, w.output()).toBeNull(); // killed by its signal
    expect(readFileSync(crashLog, 'utf8')).toContain('"point":"dispatch.unblocked"');
    expect(starts('b')).toBe(0);
    expect(rig.history('b')).toEqual([]);
    expect((await board()).b).toMatchObject({ state: 'ready', blockedOn: [] });

    const again = await startWatcher();
    await waitLogged(again, 'b to run', () => rig.isIdle('b'));
    // Two more heartbeats: none of them starts b again.
    const after = Date.now();
    await waitLogged(again, 'two more cycles', () => lastCycle() > after + 1000, 10_000);
    expect(starts('b')).toBe(1);
    expect(types('b').filter((t) => t === 'task_dispatched')).toHaveLength(1);
    expect(types('b').filter((t) => t === 'unblocked')).toHaveLength(1);
  });

  it('after-merge: true holds the task until the dependency is merged into its base', async () => {
    rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 1\nmaxConcurrent: 4') });
    await rig.writeTask('a', '@fake commit');
    await rig.writeTask('b', 'Do B.', { after: ['a'], 'after-merge': true });
    const w = await startWatcher();
    await waitLogged(w, 'a to commit and finish', () => rig.isIdle('a'));
    expect(git('rev-list', '--count', 'main..task/a')).toBe('1');

    const aDone = await markDone('a', '@fake commit');
    await waitLogged(w, 'a heartbeat after a was done', () => lastCycle() > aDone + 1000, 10_000);
    const seen = await board();
    expect(seen.b).toMatchObject({ state: 'blocked', blockedOn: ['a'] });
    expect((seen.b?.waiting as { detail: string }).detail).toContain('a (done, not yet merged into main)');
    expect(starts('b')).toBe(0);

    const mergedAt = Date.now();
    git('merge', '--no-edit', 'task/a');
    await waitLogged(w, 'b to start once a is merged', () => starts('b') === 1, 10_000);
    expect(startedAt('b')).toBeGreaterThanOrEqual(mergedAt);
    expect(rig.history('b').find((e) => e.type === 'unblocked')).toMatchObject({ afterMerge: true });
  });

  it("base: after starts the task's worktree from its dependency's branch tip", async () => {
    rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 3600\nmaxConcurrent: 4') });
    await rig.writeTask('a', '@fake commit');
    await rig.writeTask('b', 'Build on A.', { after: ['a'], base: 'after' });
    await rig.writeTask('c', 'After B is in main.', { after: ['b'], 'after-merge': true });
    const w = await startWatcher();
    await waitLogged(w, 'a to commit and finish', () => rig.isIdle('a'));
    const aTip = git('rev-parse', 'task/a');
    const aFile = readdirSync(path.join(rig.worktreesDir, 'a')).find((n) => n.startsWith('fake-claude-'));
    expect(aFile).toBeDefined();

    await markDone('a', '@fake commit');
    await waitLogged(w, 'b to run', () => rig.isIdle('b'));
    // b's branch starts at a's tip, and b's agent worked in a tree holding a's commit.
    expect(git('merge-base', 'task/a', 'task/b')).toBe(aTip);
    expect(existsSync(path.join(rig.worktreesDir, 'b', aFile ?? 'none'))).toBe(true);
    expect(git('rev-list', '--count', 'main..task/b')).toBe('1');

    // Where b's work goes is a's base, main, not a's branch (which b contains): c waits for that.
    const bDone = await markDone('b', 'Build on A.', { after: ['a'], base: 'after' });
    await waitLogged(w, 'a cycle after b was done', () => lastCycle() >= bDone);
    const seen = await board();
    expect((seen.c?.waiting as { detail: string }).detail).toContain('b (done, not yet merged into main)');
    expect(starts('c')).toBe(0);

    // Merged there, `remove` deletes b's branch.
    git('merge', '--no-edit', 'task/b');
    const removed = await rig.baton(['remove', 'b']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout + removed.stderr).toContain('deleted branch task/b (merged into main)');
  });
});
