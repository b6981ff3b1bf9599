import { describe, expect, it } from 'vitest';
import { toHistoryEvent, type HistoryEvent } from '../../src/domain/history.js';
import { agentStartedPrefix } from '../../src/worker/agent-run.js';
import { concludedRuns, deliveryLedger } from '../../src/worker/deliveries.js';

/** A history line as the worker reads it: through the same check, so a malformed one fails here. */
const rec = (type: string, runId: string | null, fields: Record<string, unknown> = {}): HistoryEvent => {
  const e = toHistoryEvent({ ts: '2026-11-27T00:00:00.000Z', type, runId, ...fields });
  if (e === null) throw new Error(`not a history event: ${type} ${JSON.stringify(fields)}`);
  return e;
};
const sent = (runId: string, n: number, ids: string[], extra: Record<string, unknown> = {}) =>
  rec('prompt_sent', runId, {
    n,
    kind: 'followup',
    mode: 'resume',
    followupIds: ids,
    prompt: ids.join('+'),
    ...extra,
  });

describe('deliveryLedger', () => {
  it('a follow-up whose agent recorded its start is delivered; one without is sent again', () => {
    const h = [
      sent('r1', 1, ['a']),
      rec('agent_started', 'r1', { n: 1, pid: 100 }),
      rec('run_exited', 'r1', { n: 1 }),
      sent('r1', 2, ['b', 'c']),
      // killed here: no agent_started for r1#2
    ];
    const l = deliveryLedger(h, 'r2');
    expect([...l.sent]).toEqual(['a', 'b', 'c']);
    expect(l.undelivered).toEqual([h[3]]);
    expect(l.unfinished).toEqual([]);
  });

  it('a re-sent follow-up that reached an agent is not sent a third time', () => {
    const h = [sent('r1', 1, ['a']), sent('r2', 1, ['a'], { redelivery: { runId: 'r1', n: 1 } })];
    h.push(rec('agent_started', 'r2', { n: 1, pid: 7 }), rec('run_exited', 'r2', { n: 1 }));
    expect(deliveryLedger(h, 'r3').undelivered).toEqual([]);
  });

  it('a re-send that was itself cut short is sent again, from its latest record, once', () => {
    const h = [sent('r1', 1, ['a']), sent('r2', 1, ['a'], { redelivery: { runId: 'r1', n: 1 } })];
    expect(deliveryLedger(h, 'r3').undelivered).toEqual([h[1]]);
  });

  it('old histories (run_started, no agent_started) and spawn failures (run_exited only) count as concluded', () => {
    const h = [sent('r1', 1, ['a']), rec('run_started', 'r1', { n: 1 }), sent('r1', 2, ['b'])];
    h.push(rec('run_exited', 'r1', { n: 2, ok: false }));
    expect(deliveryLedger(h, 'r2').undelivered).toEqual([]);
    expect([...concludedRuns(h)]).toEqual(['r1#1', 'r1#2']);
  });

  it('a run_started of a run whose agent records its start does not count: its process may die before the exec', () => {
    const h = [sent('r1', 1, ['a']), rec('run_started', 'r1', { n: 1, pid: 3, startRecorded: true })];
    expect(deliveryLedger(h, 'r2').undelivered).toEqual([h[0]]);
    // Killed before the exec, but the worker saw the run end: a failed run, not sent again.
    h.push(rec('run_exited', 'r1', { n: 1, ok: false, signal: 'SIGKILL' }));
    expect(deliveryLedger(h, 'r2').undelivered).toEqual([]);
  });

  it("the reading chain's own run id is never its own predecessor", () => {
    const h = [sent('r1', 1, ['a']), rec('agent_started', 'r1', { n: 2, pid: 9 })];
    const l = deliveryLedger(h, 'r1');
    expect(l.undelivered).toEqual([]);
    expect(l.unfinished).toEqual([]);
  });

  it('an agent with a recorded start and no recorded exit may still run; pids 0 and 1 are never named', () => {
    // A start line whose pid is not a number is not read as an event at all.
    expect(toHistoryEvent({ ts: 't', type: 'agent_started', runId: 'r1', n: 3, pid: 'x' })).toBeNull();
    const h = [
      rec('agent_started', 'r1', { n: 1, pid: 4242 }),
      rec('agent_started', 'r1', { n: 2, pid: 1 }),
      rec('agent_started', 'r1', { n: 4, pid: 0 }),
      rec('agent_started', 'r0', { n: 1, pid: 50 }),
      rec('run_exited', 'r0', { n: 1 }),
    ];
    expect(deliveryLedger(h, 'r2').unfinished).toEqual([{ runId: 'r1', n: 1, pid: 4242 }]);
  });

  it('several undelivered prompts come back oldest first', () => {
    const h = [sent('r1', 1, ['a']), sent('r2', 1, ['b']), sent('r3', 1, ['c'])];
    h.push(rec('agent_started', 'r2', { n: 1, pid: 5 }));
    expect(deliveryLedger(h, 'r4').undelivered.map((r) => r.followupIds)).toEqual([['a'], ['c']]);
  });
});

describe('agentStartedPrefix', () => {
  it('becomes one history line once the pid and the brace are appended', () => {
    const line = `${agentStartedPrefix('r9', 3, new Date('2026-11-27T01:02:03.000Z'))}1234}`;
    expect(JSON.parse(line)).toEqual({
      ts: '2026-11-27T01:02:03.000Z',
      type: 'agent_started',
      runId: 'r9',
      n: 3,
      pid: 1234,
    });
  });
});
