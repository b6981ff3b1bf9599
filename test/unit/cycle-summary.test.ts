import { describe, expect, it } from 'vitest';
import { summarizeCycle } from '../../src/cli/cycle-summary.js';
import type { CycleReport } from '../../src/watch/cycle.js';

const task = (slug: string): CycleReport['tasks'][number] => ({
  slug,
  file: `tasks/${slug}.md`,
  state: 'ready',
  pid: null,
  pendingFollowups: 0,
  retryAt: null,
});

describe('watch --once summary', () => {
  it('says what the cycle did in one line, then each failure with its reason', () => {
    const report: CycleReport = {
      ts: '2026-12-04T00:00:00.000Z',
      durationMs: 12,
      running: 2,
      hooks: [],
      tasks: ['a', 'b', 'c', 'd'].map(task),
      decisions: [
        { kind: 'dispatch', slug: 'a', result: 'started run r1 (worker pid 1, new)' },
        { kind: 'retry', slug: 'b', result: 'started run r2 (worker pid 2, continue)' },
        {
          kind: 'mark',
          slug: 'c',
          state: 'worker_gone',
          retryAt: null,
          result: 'marked worker_gone; no automatic retry left',
        },
        {
          kind: 'dispatch',
          slug: 'd',
          result: 'failed: tasks/d.md names agent "claud", which baton.yaml does not define.',
        },
      ],
      ingested: [{ file: 'tasks/a.x.followup.md', result: 'accepted as 1.queue.md' }],
      problems: [],
    };
    expect(summarizeCycle(report, 30)).toEqual([
      'heartbeat: 4 tasks, 2 running, 1 dispatched (a), 1 retried (b), 1 marked (c: marked worker_gone; no automatic retry left), 1 follow-up taken in, 1 failed to start (d); next cycle in a running watcher every 30 s',
      '  d: failed: tasks/d.md names agent "claud", which baton.yaml does not define.',
    ]);
  });
});

describe('watch --once summary: the conflict radar', () => {
  const base = (tasks: CycleReport['tasks'], off: string | null): CycleReport => ({
    ts: '2026-12-04T00:00:00.000Z',
    durationMs: 12,
    running: 0,
    hooks: [],
    tasks,
    decisions: [],
    ingested: [],
    problems: [],
    radar: { off, measured: { branches: 0, pairs: 0 }, newConflicts: 0 },
  });
  it('names the tasks in conflict', () => {
    const conflicted = {
      ...task('a'),
      behind: 1,
      conflicts: [{ with: 'main', kind: 'base' as const, branch: 'main', files: ['x'] }],
    };
    expect(summarizeCycle(base([conflicted, { ...task('b'), behind: 0, conflicts: [] }], null), 30)).toEqual([
      'heartbeat: 2 tasks, 0 running, 0 dispatched, 0 retried, 1 in conflict (a); next cycle in a running watcher every 30 s',
    ]);
  });
  it('says why it is off', () => {
    expect(summarizeCycle(base([task('a')], 'The conflict radar is off: …'), 30)[1]).toBe(
      '  The conflict radar is off: …',
    );
  });
});
