/**
 * The two windows of a worker's life in which a kill -9 used to lose or leak something, each
 * hit exactly with a crash point (BATON_CRASH_AT) and a real SIGKILL:
 *
 * - between recording a follow-up's `prompt_sent` and starting its agent: the next worker sends
 *   it again (the agent never got it), and the agents see it exactly once;
 * - between starting the agent and recording its identity in the lock: the agent outlives its
 *   worker unseen by the lock; the next worker ends it (recognised by its BATON_RUN_ID) before
 *   it starts its own, so two agents never share the worktree;
 * - an ingester killed between recording `followup_received` and publishing the item: the
 *   worker publishes it under the recorded id, in its place in line, recorded once.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryProblems, type HistoryLine } from '../helpers/invariants.js';
import { makeRig, processAlive, type Rig } from '../helpers/rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig();
});
afterEach(async () => {
  await rig.cleanup();
});

const settled = (slug: string) => () => {
  const s = rig.status(slug);
  return s && (s.state === 'idle' || s.state === 'failed') && s.pid === null ? s : null;
};

const workerGone = (slug: string) => async () => {
  const r = await rig.baton(['status', '--json']);
  const tasks = (JSON.parse(r.stdout) as { tasks: { slug: string; state: string }[] }).tasks;
  return tasks.find((t) => t.slug === slug)?.state === 'worker_gone';
};

describe('a worker killed -9 mid-delivery', () => {
  it('between prompt_sent and the agent start: the next worker sends the follow-up again, and an agent gets it once', async () => {
    await rig.writeTask('redo', 'Start.\n@fake sleep=50');
    expect((await rig.baton(['dispatch', 'redo'])).code).toBe(0);
    await rig.waitFor('first run done', settled('redo'));
    // The worker this follow-up starts dies right after recording the follow-up's prompt_sent.
    const sent = await rig.baton(['followup', 'redo', 'Add a test.'], {
      env: { BATON_CRASH_AT: 'worker.after-prompt-sent' },
    });
    expect(sent.code, sent.stderr).toBe(0);
    await rig.waitFor('the worker is gone', workerGone('redo'), 30_000);
    const lost = rig
      .history('redo')
      .filter((h) => h.type === 'prompt_sent')
      .at(-1)!;
    expect(lost.followupIds).toHaveLength(1);
    expect(rig.history('redo').some((h) => h.type === 'agent_started' && h.runId === lost.runId)).toBe(false);

    const again = await rig.baton(['continue', 'redo']);
    expect(again.code, again.stderr).toBe(0);
    await rig.waitFor('recovered', settled('redo'), 30_000);

    const history = rig.history('redo') as HistoryLine[];
    expect(deliveryProblems(history)).toEqual([]);
    const resent = history.filter((h) => h.type === 'prompt_sent' && h.redelivery);
    expect(resent.map((h) => h.followupIds)).toEqual([lost.followupIds]);
    expect(resent[0]!.redelivery).toEqual({ runId: lost.runId, n: lost.n });
    // The follow-up went out before the continue instruction, and the agents saw it exactly once.
    const kinds = history.filter((h) => h.type === 'prompt_sent' && h.runId === resent[0]!.runId);
    expect(kinds.map((h) => h.kind)).toEqual(['followup', 'continue']);
    const prompts = rig
      .fakeEvents()
      .filter((e) => e.event === 'start')
      .map((e) => String(e.prompt));
    expect(prompts.filter((p) => p.includes('Add a test.'))).toHaveLength(1);
  });

  it('between the agent start and the lock naming it: the next worker ends the orphaned agent before starting its own', async () => {
    await rig.writeTask('orphan', 'Work.\n@fake sleep=60000\n@fake silent\n@fake survive-epipe');
    const r = await rig.baton(['dispatch', 'orphan'], { env: { BATON_CRASH_AT: 'worker.after-spawn' } });
    expect(r.code, r.stderr).toBe(0);
    const started = await rig.waitFor('the agent recorded its start', () =>
      rig.history('orphan').find((h) => h.type === 'agent_started'),
    );
    const orphanPid = started.pid as number;
    await rig.waitFor('the worker is gone', workerGone('orphan'), 30_000);
    expect(processAlive(orphanPid), 'the agent outlived its worker').toBe(true);

    await rig.writeTask('orphan', 'Work again.\n@fake sleep=50');
    const again = await rig.baton(['dispatch', 'orphan']);
    expect(again.code, again.stderr).toBe(0);
    await rig.waitFor('the new run is done', settled('orphan'), 30_000);
    expect(processAlive(orphanPid)).toBe(false);

    const history = rig.history('orphan');
    const ended = history.findIndex((h) => h.type === 'run_exited' && h.runId === started.runId);
    expect(ended).toBeGreaterThan(-1);
    expect(history[ended]).toMatchObject({ orphaned: true, signal: 'SIGKILL' });
    const next = history.findIndex((h) => h.type === 'agent_started' && h.runId !== started.runId);
    expect(next, 'the orphan was ended before the next agent started').toBeGreaterThan(ended);
  });

  it('an ingester killed between recording a follow-up and publishing it: the worker runs it in its place, recorded once', async () => {
    await rig.writeTask('line', 'Start.\n@fake sleep=2500');
    expect((await rig.baton(['dispatch', 'line'])).code).toBe(0);
    await rig.waitFor('running', () => rig.status('line')?.state === 'running');
    const cut = await rig.baton(['followup', 'line', 'First.'], {
      env: { BATON_CRASH_AT: 'ingest.after-record' },
    });
    expect(cut.code, 'the CLI was killed at the crash point').not.toBe(0);
    const inbox = path.join(rig.root, 'tasks/logs/inbox/line');
    expect(readdirSync(inbox).filter((n) => n.startsWith('.claim-'))).toHaveLength(1);
    const second = await rig.baton(['followup', 'line', 'Second.']);
    expect(second.code, second.stderr).toBe(0);
    await rig.waitFor(
      'both follow-ups ran',
      () => {
        const h = rig.history('line');
        return settled('line')() && h.filter((r) => r.type === 'agent_started').length === 3;
      },
      30_000,
    );
    const history = rig.history('line') as HistoryLine[];
    expect(deliveryProblems(history)).toEqual([]);
    const received = history.filter((h) => h.type === 'followup_received');
    expect(received.map((h) => h.body)).toEqual(['First.', 'Second.']);
    const prompts = history.filter((h) => h.type === 'prompt_sent').map((h) => h.prompt);
    expect(prompts.slice(1)).toEqual(['First.', 'Second.']);
  });
});
