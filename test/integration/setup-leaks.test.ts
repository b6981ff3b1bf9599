/**
 * A setup command runs in a process group of its own, which a kill -9 of its worker does not
 * reach (docs/design.md, "Worktree setup"). Real workers, real setup commands that write their
 * pids and sleep, real SIGKILLs: what a dead worker's setup left running is ended by the next
 * heartbeat, by the next worker before it runs the setup again, by `stop` and by `remove`, with
 * history saying who ended it; a `stop` during a live worker's setup ends the command at once.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeAgentsYaml, makeRig, processAlive, type Rig } from '../helpers/rig.js';

let rig: Rig;
/** Every pid a test learnt of, ended by pid whatever the test's outcome. */
let started: number[] = [];
beforeEach(async () => {
  rig = await makeRig();
  started = [];
});
afterEach(async () => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rig.cleanup();
});

const q = (s: string): string => JSON.stringify(s);

/**
 * A setup whose command starts a child, writes both pids, and waits on the child while the file
 * `hang` exists in the rig's folder (so a later run's setup finishes at once). With `ignoreTerm`
 * both ignore SIGTERM, so only a SIGKILL ends them.
 */
async function hangingSetup(opts: { ignoreTerm?: boolean; grace?: number } = {}): Promise<void> {
  const trap = opts.ignoreTerm ? `trap '' TERM; ` : '';
  const line =
    `${trap}if [ -e ${rig.base}/hang ]; then sleep 300 & echo $! > ${rig.base}/child.pid; ` +
    `echo $$ > ${rig.base}/setup.pid; wait; fi`;
  const grace = opts.grace === undefined ? '' : `interruptGraceSeconds: ${opts.grace}\n`;
  await rig.writeConfig(fakeAgentsYaml(`${grace}setup:\n  run: [{sh: ${q(line)}}]`));
  writeFileSync(path.join(rig.base, 'hang'), '');
}

/** Dispatches `slug` and waits until its setup command runs; returns the worker's and the setup's pids. */
async function dispatchIntoSetup(
  slug: string,
  env: Record<string, string> = {},
): Promise<{ worker: number; setup: number; child: number }> {
  await rig.writeTask(slug, 'Work.\n@fake sleep=50');
  const r = await rig.baton(['dispatch', slug], { env });
  expect(r.code, r.stderr).toBe(0);
  const pidOf = (name: string): number | null => {
    const f = path.join(rig.base, name);
    const text = existsSync(f) ? readFileSync(f, 'utf8').trim() : '';
    return /^\d+$/.test(text) ? Number(text) : null;
  };
  const setup = await rig.waitFor('the setup command runs', () => pidOf('setup.pid'));
  const child = await rig.waitFor('its child runs', () => pidOf('child.pid'));
  started.push(setup, child);
  const recorded = await rig.waitFor('its process group is recorded', () =>
    rig.history(slug).find((h) => h.type === 'setup_command_started'),
  );
  expect(recorded.pid).toBe(setup);
  const worker = rig.history(slug).find((h) => h.type === 'worker_started')!.pid as number;
  started.push(worker);
  return { worker, setup, child };
}

async function killWorker(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await rig.waitFor('the worker is dead', () => !processAlive(pid));
}

const stateIs = (slug: string, state: string) => () => {
  const s = rig.status(slug);
  return s?.state === state && s.pid === null ? s : null;
};

describe('a setup command whose worker is killed -9', () => {
  it('is ended by the next heartbeat, which says so in history', async () => {
    await hangingSetup();
    const { worker, setup, child } = await dispatchIntoSetup('gone');
    await killWorker(worker);
    expect(processAlive(setup), 'the setup command outlived its worker').toBe(true);

    const beat = await rig.baton(['watch', '--once']);
    expect(beat.code, beat.stderr).toBe(0);
    expect(processAlive(setup)).toBe(false);
    expect(processAlive(child)).toBe(false);
    expect(rig.status('gone')?.state).toBe('worker_gone');
    const ended = rig.history('gone').find((h) => h.type === 'setup_ended');
    expect(ended).toMatchObject({ orphaned: true, pid: setup, signal: 'SIGTERM' });
    expect(String(ended?.error)).toContain('the heartbeat ended the command');
    const heartbeat = JSON.parse(readFileSync(path.join(rig.root, 'tasks/logs/heartbeat.json'), 'utf8')) as {
      decisions: { result: string }[];
    };
    expect(heartbeat.decisions.map((d) => d.result).join('\n')).toContain(`(pid ${setup}) it left running`);
  });

  it('killed the instant after the spawn: the command recorded itself, and the heartbeat ends it', async () => {
    await hangingSetup();
    // The worker SIGKILLs itself right after spawning the command, before anything else it does.
    const { worker, setup, child } = await dispatchIntoSetup('instant', {
      BATON_CRASH_AT: 'worker.after-setup-spawn',
    });
    await rig.waitFor('the worker is dead', () => !processAlive(worker));
    expect(rig.history('instant').some((h) => h.type === 'setup_done' || h.type === 'setup_failed')).toBe(
      false,
    );

    const beat = await rig.baton(['watch', '--once']);
    expect(beat.code, beat.stderr).toBe(0);
    expect(processAlive(setup)).toBe(false);
    expect(processAlive(child)).toBe(false);
    expect(rig.history('instant').find((h) => h.type === 'setup_ended')).toMatchObject({
      orphaned: true,
      pid: setup,
    });
  });

  it('is ended by the next worker before it runs the setup again', async () => {
    await hangingSetup();
    const first = await dispatchIntoSetup('again');
    await killWorker(first.worker);
    rmSync(path.join(rig.base, 'hang'));

    const c = await rig.baton(['continue', 'again']);
    expect(c.code, c.stderr).toBe(0);
    await rig.waitFor('the new run is done', stateIs('again', 'idle'), 30_000);
    expect(processAlive(first.setup)).toBe(false);
    expect(processAlive(first.child)).toBe(false);

    const history = rig.history('again');
    const ended = history.findIndex((h) => h.type === 'setup_ended');
    expect(history[ended]).toMatchObject({ orphaned: true, pid: first.setup, signal: 'SIGTERM' });
    const firstRun = history.find((h) => h.type === 'setup_command_started')!.runId;
    expect(history[ended]!.runId, 'recorded under the dead run').toBe(firstRun);
    const rerun = history.findIndex((h) => h.type === 'setup_started' && h.runId !== firstRun);
    expect(String(history[ended]!.error)).toContain(`run ${String(history[rerun]?.runId)} ended the command`);
    expect(rerun, 'the orphan was ended before the setup ran again').toBeGreaterThan(ended);
    expect(history.some((h) => h.type === 'setup_done' && h.runId !== firstRun)).toBe(true);
  });

  it('is ended by `baton stop`, which says so', async () => {
    await hangingSetup();
    const { worker, setup, child } = await dispatchIntoSetup('halt');
    await killWorker(worker);

    const r = await rig.baton(['stop', 'halt']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`its dead worker's setup command`);
    expect(r.stderr).toContain(`(pid ${setup}) still ran: ended it`);
    expect(processAlive(setup)).toBe(false);
    expect(processAlive(child)).toBe(false);
    expect(rig.history('halt').find((h) => h.type === 'setup_ended')).toMatchObject({
      orphaned: true,
      pid: setup,
    });
  });

  it('is ended by `baton remove`, which says so', async () => {
    await hangingSetup();
    const { worker, setup, child } = await dispatchIntoSetup('drop');
    await killWorker(worker);

    const r = await rig.baton(['remove', 'drop', '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`(pid ${setup}) its dead worker left running`);
    expect(processAlive(setup)).toBe(false);
    expect(processAlive(child)).toBe(false);
    const ended = rig.history('drop').find((h) => h.type === 'setup_ended');
    expect(String(ended?.error)).toContain('`baton remove` ended the command');
  });
});

describe('a stop while a live worker runs the setup', () => {
  it('ends the setup command at once, starts no agent, and leaves the task interrupted', async () => {
    await hangingSetup();
    const { worker, setup, child } = await dispatchIntoSetup('brake');
    const asked = Date.now();
    const r = await rig.baton(['stop', 'brake']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`asked worker pid ${worker}`);
    await rig.waitFor('interrupted', stateIs('brake', 'interrupted'), 30_000);
    // The default grace is 10 s: well under it, the SIGTERM did it.
    expect(Date.now() - asked).toBeLessThan(8000);
    expect(processAlive(setup)).toBe(false);
    expect(processAlive(child)).toBe(false);
    const history = rig.history('brake');
    expect(history.find((h) => h.type === 'setup_ended')).toMatchObject({
      orphaned: false,
      signal: 'SIGTERM',
      pid: setup,
      error:
        'baton stop: the setup command `' +
        String(history.find((h) => h.type === 'setup_command_started')!.command) +
        '` was ended',
    });
    expect(history.some((h) => h.type === 'setup_failed' || h.type === 'agent_started')).toBe(false);
    expect(rig.fakeEvents().filter((e) => e.event === 'start')).toEqual([]);
  });

  it('kills a command that ignores SIGTERM after interruptGraceSeconds', async () => {
    await hangingSetup({ ignoreTerm: true, grace: 1 });
    const { setup, child } = await dispatchIntoSetup('stubborn');
    const r = await rig.baton(['stop', 'stubborn']);
    expect(r.code, r.stderr).toBe(0);
    await rig.waitFor('interrupted', stateIs('stubborn', 'interrupted'), 30_000);
    expect(processAlive(setup)).toBe(false);
    expect(processAlive(child)).toBe(false);
    expect(rig.history('stubborn').find((h) => h.type === 'setup_ended')).toMatchObject({
      signal: 'SIGKILL',
    });
  });
});
