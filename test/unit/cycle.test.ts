import { describe, expect, it } from 'vitest';
import { planCycle, type CycleTask } from '../../src/domain/cycle.js';
import { classify } from '../../src/domain/classify.js';
import { initialStatus } from '../../src/store/status.js';

const now = new Date('2026-11-27T12:00:00.000Z');
const limits = { maxConcurrent: 3, maxDispatchesPerCycle: 2, retryCooldownSeconds: 300, stallSeconds: 900 };
const task = (slug: string, over: Partial<CycleTask> = {}): CycleTask => ({
  slug,
  state: 'ready',
  recordedState: null,
  fileStatus: 'ready',
  priority: 0,
  fileMtimeMs: 0,
  ranBefore: false,
  live: false,
  pendingFollowups: 0,
  retryAt: null,
  autoRetries: 0,
  lastProgressAt: null,
  ...over,
});

describe('planCycle', () => {
  it('passes over a task whose dispatch is blocked, so a valid task behind it starts in the same cycle', () => {
    const tasks = [task('bad', { priority: 5, dispatchBlocked: true }), task('good')];
    expect(planCycle(tasks, { ...limits, maxDispatchesPerCycle: 1 }, now)).toEqual([
      { kind: 'dispatch', slug: 'good' },
    ]);
    const queued = task('q', { state: 'idle', ranBefore: true, pendingFollowups: 1, dispatchBlocked: true });
    expect(planCycle([queued], limits, now)).toEqual([]);
  });

  it('fills every free slot in priority order when asked (the first cycle), still within maxConcurrent', () => {
    const tasks = [task('a'), task('b', { priority: 2 }), task('c', { priority: 1 }), task('d')];
    const one = { ...limits, maxDispatchesPerCycle: 1 };
    expect(planCycle(tasks, one, now).map((d) => d.slug)).toEqual(['b']);
    expect(planCycle(tasks, one, now, { fillSlots: true }).map((d) => d.slug)).toEqual(['b', 'c', 'a']);
  });


  it('dispatches ready tasks by priority, then oldest file, then slug, within both caps', () => {
    const tasks = [
      task('b', { priority: 1, fileMtimeMs: 5 }),
      task('a', { priority: 1, fileMtimeMs: 5 }),
      task('old', { priority: 1, fileMtimeMs: 1 }),
      task('top', { priority: 9 }),
    ];
    expect(planCycle(tasks, limits, now)).toEqual([
      { kind: 'dispatch', slug: 'top' },
      { kind: 'dispatch', slug: 'old' },
    ]);
    expect(planCycle(tasks, { ...limits, maxDispatchesPerCycle: 10 }, now).map((d) => d.slug)).toEqual([
      'top',
      'old',
      'a',
    ]);
    const busy = [
      task('r1', { live: true, state: 'running', ranBefore: true }),
      task('r2', { live: true, state: 'running', ranBefore: true }),
      ...tasks,
    ];
    expect(planCycle(busy, limits, now).map((d) => d.slug)).toEqual(['top']);
  });

  it('counts a task the watcher is starting as running, and decides nothing else for it', () => {
    const starting = { starting: true };
    const tasks = [
      task('s1', starting),
      // A dead worker's status and waiting follow-ups: left to the start in flight.
      task('s2', { ...starting, state: 'worker_gone', recordedState: 'running', ranBefore: true }),
      task('s3', { ...starting, state: 'idle', ranBefore: true, pendingFollowups: 2 }),
      task('next'),
    ];
    expect(planCycle(tasks, { ...limits, maxConcurrent: 4 }, now)).toEqual([
      { kind: 'dispatch', slug: 'next' },
    ]);
    expect(planCycle(tasks, limits, now)).toEqual([]);
  });

  it('never dispatches on its own a task that ran before, a draft, or a done task', () => {
    const tasks = [
      task('ran', { ranBefore: true, state: 'idle' }),
      task('draft', { fileStatus: 'draft', state: 'draft' }),
      task('done', { fileStatus: 'done', state: 'done' }),
      task('failed', { ranBefore: true, state: 'failed' }),
    ];
    expect(planCycle(tasks, limits, now)).toEqual([]);
  });

  it('marks a dead worker with a retry after the cooldown, then retries once when due, never a third time', () => {
    const gone = task('g', { state: 'worker_gone', recordedState: 'running', ranBefore: true });
    expect(planCycle([gone], limits, now)).toEqual([
      { kind: 'mark', slug: 'g', state: 'worker_gone', retryAt: '2026-11-27T12:05:00.000Z' },
    ]);
    const notDue = { ...gone, recordedState: 'worker_gone' as const, retryAt: '2026-11-27T12:05:00.000Z' };
    expect(planCycle([notDue], limits, now)).toEqual([]);
    const due = { ...notDue, retryAt: '2026-11-27T11:59:59.000Z' };
    expect(planCycle([due], limits, now)).toEqual([{ kind: 'retry', slug: 'g' }]);
    const exhausted = { ...gone, autoRetries: 1 };
    expect(planCycle([exhausted], limits, now)).toEqual([
      { kind: 'mark', slug: 'g', state: 'worker_gone', retryAt: null },
    ]);
  });

  it('schedules a stalled task once, and interrupts a live one far past stallSeconds (hung worker backstop)', () => {
    expect(
      planCycle([task('s', { state: 'stalled', recordedState: 'stalled', ranBefore: true })], limits, now),
    ).toEqual([{ kind: 'mark', slug: 's', state: 'stalled', retryAt: '2026-11-27T12:05:00.000Z' }]);
    const hung = task('h', {
      state: 'running',
      live: true,
      ranBefore: true,
      lastProgressAt: '2026-11-27T11:00:00.000Z',
    });
    expect(planCycle([hung], limits, now)).toEqual([{ kind: 'interrupt_stalled', slug: 'h' }]);
    const fine = { ...hung, lastProgressAt: '2026-11-27T11:59:00.000Z' };
    expect(planCycle([fine], limits, now)).toEqual([]);
  });

  it('starts a worker for waiting follow-ups, except after a stop, counting toward maxConcurrent only', () => {
    const tasks = [
      task('idle', { state: 'idle', ranBefore: true, pendingFollowups: 2 }),
      task('stopped', { state: 'interrupted', ranBefore: true, pendingFollowups: 1 }),
      task('new1'),
      task('new2'),
    ];
    expect(planCycle(tasks, { ...limits, maxConcurrent: 2 }, now)).toEqual([
      { kind: 'start_inbox', slug: 'idle' },
      { kind: 'dispatch', slug: 'new1' },
    ]);
  });
});

describe('classify', () => {
  const s = (
    state: Parameters<typeof classify>[0]['status'] extends infer T
      ? T extends { state: infer S }
        ? S
        : never
      : never,
    runId = 'r1',
  ) => ({
    ...initialStatus('x'),
    state,
    runId,
  });
  it.each([
    [{ fileStatus: null, status: null, lock: null }, 'invalid'],
    [{ fileStatus: 'ready', status: null, lock: null }, 'ready'],
    [{ fileStatus: 'ready', status: null, lock: { runId: 'r1', live: true } }, 'starting'],
    [{ fileStatus: 'ready', status: s('running'), lock: { runId: 'r1', live: true } }, 'running'],
    [{ fileStatus: 'ready', status: s('running'), lock: { runId: 'r1', live: false } }, 'worker_gone'],
    [{ fileStatus: 'ready', status: s('starting'), lock: null }, 'worker_gone'],
    [{ fileStatus: 'ready', status: s('idle'), lock: { runId: 'r2', live: true } }, 'starting'],
    [{ fileStatus: 'done', status: s('idle'), lock: null }, 'done'],
    [{ fileStatus: 'ready', status: s('failed'), lock: { runId: 'r1', live: false } }, 'failed'],
  ] as const)('%j → %s', (obs, expected) => {
    expect(classify(obs as Parameters<typeof classify>[0])).toBe(expected);
  });
});
