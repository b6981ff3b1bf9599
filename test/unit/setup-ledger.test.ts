/** Which setup commands a history leaves unfinished (domain/setup-ledger.ts), as a table. */
import { describe, expect, it } from 'vitest';
import { toHistoryEvent, type HistoryEvent } from '../../src/domain/history.js';
import { unfinishedSetups } from '../../src/domain/setup-ledger.js';

const ev = (type: string, runId: string | null, fields: Record<string, unknown> = {}): HistoryEvent => {
  const e = toHistoryEvent({ ts: '2026-12-07T15:00:00.000Z', type, runId, ...fields });
  if (e === null) throw new Error(`not an event: ${type}`);
  return e;
};
const cmd = (runId: string, n: number, pid: number): HistoryEvent =>
  ev('setup_command_started', runId, { n, command: `step ${n}`, pid });

const cases: { name: string; events: HistoryEvent[]; own?: string; pids: number[] }[] = [
  { name: 'no setup at all', events: [ev('worker_started', 'a')], pids: [] },
  {
    name: 'a command with no end may still run',
    events: [ev('setup_started', 'a'), cmd('a', 1, 10)],
    pids: [10],
  },
  {
    name: 'the next command closes the previous one',
    events: [cmd('a', 1, 10), cmd('a', 2, 11)],
    pids: [11],
  },
  { name: 'setup_done closes it', events: [cmd('a', 1, 10), ev('setup_done', 'a')], pids: [] },
  { name: 'setup_failed closes it', events: [cmd('a', 1, 10), ev('setup_failed', 'a')], pids: [] },
  {
    name: 'setup_ended under its run closes it (the heartbeat ended it)',
    events: [cmd('a', 1, 10), ev('setup_ended', 'a', { pid: 10, orphaned: true })],
    pids: [],
  },
  {
    name: "another run's end does not close it",
    events: [cmd('a', 1, 10), ev('setup_done', 'b')],
    pids: [10],
  },
  { name: 'the own run is left out', events: [cmd('a', 1, 10), cmd('b', 1, 20)], own: 'b', pids: [10] },
  {
    name: 'two dead runs, oldest first',
    events: [cmd('a', 1, 10), cmd('b', 1, 20), cmd('a', 2, 12)],
    pids: [20, 12],
  },
];

describe('unfinishedSetups', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(unfinishedSetups(c.events, c.own ?? null).map((s) => s.pid)).toEqual(c.pids);
    });
  }

  it('a setup_command_started without its pid is not read as one', () => {
    expect(
      toHistoryEvent({ ts: 'x', type: 'setup_command_started', runId: 'a', n: 1, command: 'c' }),
    ).toBeNull();
  });
});
