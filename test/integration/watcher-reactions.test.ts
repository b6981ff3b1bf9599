/**
 * The watcher's reactions never wait on a slow start (issue 14): a dispatch whose worktree takes
 * seconds to make — the repository's own post-checkout hook sleeps — runs beside the watcher's
 * queue, so a follow-up for another task is ingested meanwhile; a worker killed -9 while its
 * worktree is made is replaced at once (the watcher's standby, and the fresh worker of `baton
 * dispatch`); in-flight starts count against maxConcurrent; and a baton.yaml edit is taken in at
 * once. The heartbeat is far away, so only an event can have caused what is seen.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  agentStarts,
  fakeAgentsYaml,
  makeRig,
  processAlive,
  spawnBaton,
  workersOf,
  type Background,
  type Rig,
} from '../helpers/rig.js';

let rig: Rig;
afterEach(async () => {
  await rig.cleanup();
});

/** How long the hook holds up making the worktree of a task whose slug starts with `slow`. */
const HOOK_SECONDS = 4;

/**
 * A post-checkout hook of the repository's own, there before baton (baton keeps it as
 * `post-checkout.baton-chained` and runs it behind its shim): `git worktree add` of a `slow*`
 * task marks its start, sleeps, and marks its end, in the rig's base folder.
 */
async function slowCheckoutHook(): Promise<void> {
  const hook = path.join(rig.root, '.git', 'hooks', 'post-checkout.baton-chained');
  const mark = (what: string): string => JSON.stringify(path.join(rig.base, `hook-${what}-`));
  await fs.writeFile(
    hook,
    [
      '#!/bin/sh',
      'name=$(basename "$(pwd)")',
      'case $name in',
      `slow*) : >${mark('started')}"$name"; sleep ${HOOK_SECONDS}; : >${mark('done')}"$name" ;;`,
      'esac',
      'exit 0',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
}

const hookStarted = (slug: string): boolean => existsSync(path.join(rig.base, `hook-started-${slug}`));
const hookDone = (slug: string): boolean => existsSync(path.join(rig.base, `hook-done-${slug}`));
const starts = (slug: string): number => agentStarts(rig, slug).length;

/** Drops a follow-up the way an agent would: written aside, renamed in. */
async function dropFollowup(slug: string, text: string): Promise<string> {
  const name = `${slug}.n${Date.now()}.followup.md`;
  const file = path.join(rig.root, 'tasks', name);
  await fs.writeFile(`${file}.tmp`, `${text}\n`);
  await fs.rename(`${file}.tmp`, file);
  return name;
}

/** A task whose agent runs for the whole test, started by `baton dispatch` before the watcher. */
async function busyTask(slug: string): Promise<void> {
  await rig.writeTask(slug, '@fake sleep=120000');
  const r = await rig.baton(['dispatch', slug]);
  expect(r.code, r.stderr).toBe(0);
  await rig.waitFor(`${slug}'s agent`, () => starts(slug) === 1);
}

/** A watcher, once it has run its first cycle and its standby stands by; returns the standby's pid. */
async function startWatcher(): Promise<{ w: Background; standby: number }> {
  const w = spawnBaton(rig, ['watch']);
  await w.waitForLine(/watching/);
  await rig.waitFor('the first cycle', () => existsSync(path.join(rig.root, 'tasks/logs/heartbeat.json')));
  const [standby] = await rig.waitFor('a standby', () => {
    const s = workersOf(w.pid, { idleOnly: true });
    return s.length === 1 ? s : null;
  });
  return { w, standby: standby! };
}

/** Waits for the watcher to log `re`, failing with its whole log. */
function logged(w: Background, re: RegExp, timeoutMs = 20_000): Promise<string> {
  return w.waitForLine(re, timeoutMs);
}

/** `rig.waitFor`, failing with the watcher's log. */
function waitLogged<T>(
  w: Background,
  what: string,
  fn: () => T,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  return rig.waitFor(what, fn, timeoutMs).catch((e: unknown) => {
    throw new Error(`${String(e)}; the watch log:\n${w.output()}`);
  });
}

const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a slow start holds none of the watcher’s other reactions', () => {
  it('a follow-up for a running task is ingested while a dispatch waits on its slow worktree, and in-flight starts count against maxConcurrent', async () => {
    rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 3600\nmaxConcurrent: 2') });
    await slowCheckoutHook();
    await busyTask('busy');
    const { w } = await startWatcher();

    await rig.writeTask('slow', '@fake sleep=0');
    await rig.waitFor('the slow hook to start', () => hookStarted('slow'), 20_000);
    const drop = await dropFollowup('busy', 'More, please.');
    // busy runs and slow is being started: with maxConcurrent 2 there is no slot for a third.
    await rig.writeTask('third', '@fake sleep=0');
    await logged(w, new RegExp(`tasks/${escaped(drop)}: accepted`));
    await logged(w, /third is ready; it waits for a free slot \(maxConcurrent 2\)/);
    // Both reactions ran while the dispatch was still in its hook, not after it.
    expect(hookDone('slow'), w.output()).toBe(false);
    expect(starts('third')).toBe(0);

    await waitLogged(w, 'slow to start', () => starts('slow') === 1);
    // slow's agent ends at once: its status frees the slot and third goes, without a heartbeat.
    await waitLogged(w, 'third to start once slow is done', () => starts('third') === 1);
    expect(w.output()).not.toMatch(/error/i);
  });

  it('kill -9 of the standby while its worktree is made: a later follow-up is ingested at once, and the task still starts', async () => {
    rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 3600\nmaxConcurrent: 4') });
    await slowCheckoutHook();
    await busyTask('busy');
    const { w, standby } = await startWatcher();

    await rig.writeTask('slow', '@fake sleep=0');
    await rig.waitFor('the slow hook to start', () => hookStarted('slow'), 20_000);
    process.kill(standby, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1500)); // the scenario: the drop comes 1.5 s later
    const drop = await dropFollowup('busy', 'More, please.');
    await logged(w, new RegExp(`tasks/${escaped(drop)}: accepted`));
    expect(hookDone('slow'), `ingested only after the slow dispatch:\n${w.output()}`).toBe(false);

    // The hand-off to the dead standby is retried with a fresh worker as soon as the worktree is made.
    await waitLogged(w, 'slow to start', () => starts('slow') === 1);
    const dispatched = rig.history('slow').filter((h) => h.type === 'task_dispatched');
    expect(dispatched.at(-1)?.pid).not.toBe(standby);
    expect(processAlive(standby)).toBe(false);
    await logged(w, /slow: dispatch: started run/);
  });
});

describe('stopping the watcher during a slow start', () => {
  it('finishes handing the task over before it exits', async () => {
    rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 3600') });
    await slowCheckoutHook();
    const { w } = await startWatcher();
    await rig.writeTask('slow', '@fake sleep=0');
    await rig.waitFor('the slow hook to start', () => hookStarted('slow'), 20_000);
    process.kill(w.pid, 'SIGTERM');
    expect(await w.exited, w.output()).toBe(0);
    // Not left half handed over: the worker had confirmed its start before the watcher exited.
    expect(w.output()).toMatch(/slow: dispatch: started run/);
    await rig.waitFor('slow to start', () => starts('slow') === 1, 30_000);
  });
});

describe('baton dispatch whose fresh worker is killed while its worktree is made', () => {
  it('does not hang: it retries with another worker, the task starts, exit 0', async () => {
    // A long dispatchTimeoutSeconds: waiting for a dead worker's ack would show as a hang.
    rig = await makeRig({ config: fakeAgentsYaml('dispatchTimeoutSeconds: 120') });
    await slowCheckoutHook();
    await rig.writeTask('slow', '@fake sleep=0');
    const d = spawnBaton(rig, ['dispatch', 'slow']);
    await rig.waitFor('the slow hook to start', () => hookStarted('slow'), 20_000);
    const [fresh] = await rig.waitFor('the worker baton dispatch spawned', () => {
      const ws = workersOf(d.pid);
      return ws.length === 1 ? ws : null;
    });
    process.kill(fresh!, 'SIGKILL');
    const code = await Promise.race([
      d.exited,
      new Promise<string>((r) => setTimeout(() => r('still running after 60 s'), 60_000)),
    ]);
    expect(code, d.output()).toBe(0);
    await rig.waitFor('slow to start', () => starts('slow') === 1, 30_000);
    expect(
      rig
        .history('slow')
        .filter((h) => h.type === 'task_dispatched')
        .at(-1)?.pid,
    ).not.toBe(fresh);
  });
});

describe('a baton.yaml edit is taken in at once', () => {
  it('a raised maxConcurrent lets the waiting task start now; an invalid edit keeps the last good config and says so', async () => {
    rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 600\nmaxConcurrent: 1') });
    await busyTask('busy');
    const { w } = await startWatcher();
    await rig.writeTask('next', '@fake sleep=0');
    await logged(w, /next is ready; it waits for a free slot \(maxConcurrent 1\)/);

    await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 600\nmaxConcurrent: 2'));
    await logged(w, /baton\.yaml reloaded/);
    await waitLogged(w, 'next to start after the edit', () => starts('next') === 1, 15_000);

    // busy and long fill both slots (long goes once next, quick, is done).
    await rig.writeTask('long', '@fake sleep=120000');
    await waitLogged(w, 'long to start', () => starts('long') === 1, 15_000);

    await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 600\nmaxConcurrent: lots'));
    const said = await logged(w, /baton\.yaml is invalid/);
    expect(said).toMatch(/keeping the last good config/);
    expect(said).toMatch(/maxConcurrent must be/);
    // Still maxConcurrent 2, not the default: a third task waits.
    await rig.writeTask('last', '@fake sleep=0');
    await logged(w, /last is ready; it waits for a free slot \(maxConcurrent 2\)/);
    expect(starts('last')).toBe(0);
    // Fixed: taken in, and the waiting task goes at once.
    await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 600\nmaxConcurrent: 3'));
    await logged(w, /baton\.yaml reloaded: maxConcurrent 2 → 3/);
    await waitLogged(w, 'last to start after the fix', () => starts('last') === 1, 15_000);
    expect(w.output().match(/baton\.yaml is invalid/g)).toHaveLength(1);
  });

  it('a task started while baton.yaml is invalid runs by the watcher’s last good config, which its worker is handed', async () => {
    rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 600') });
    const { w } = await startWatcher();
    await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 600\nmaxConcurrent: lots'));
    await logged(w, /baton\.yaml is invalid/);
    await rig.writeTask('meanwhile', '@fake sleep=0');
    // Its worker does not read the broken file: the agent runs and the run ends well.
    await waitLogged(w, 'meanwhile ran', () => rig.isIdle('meanwhile'), 15_000);
    expect(starts('meanwhile')).toBe(1);
    expect(rig.status('meanwhile')).toMatchObject({ state: 'idle', error: null });
  });
});
