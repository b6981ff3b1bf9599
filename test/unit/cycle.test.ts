import { describe, expect, it } from 'vitest';
import { planCycle, type CycleTask } from '../../src/domain/cycle.js';
import { classify } from '../../src/domain/classify.js';
import { initialStatus } from '../../src/store/status.js';
import type { AgentLimit } from '../../src/domain/limits.js';
import { cycleTask as task } from '../helpers/cycle-task.js';

const now = new Date('2026-11-27T12:00:00.000Z');
const limits = { maxConcurrent: 3, maxDispatchesPerCycle: 2, retryCooldownSeconds: 300, stallSeconds: 900 };

describe('planCycle', () => {
  it('passes over a task whose dispatch is blocked, so a valid task behind it starts in the same cycle', () => {
    const tasks = [task('bad', { priority: 5, dispatchBlocked: true }), task('good')];
    expect(planCycle(tasks, { ...limits, maxDispatchesPerCycle: 1 }, now)).toEqual([
      { kind: 'dispatch', slug: 'good' },
    ]);
    const queued = task('q', { state: 'idle', ranBefore: true, pendingFollowups: 1, dispatchBlocked: true });
    expect(planCycle([queued], limits, now)).toEqual([]);
  });

  it('never revives a task its merged PR made done, even with follow-ups waiting', () => {
    const merged = task('merged', {
      state: 'done',
      recordedState: 'done',
      ranBefore: true,
      pendingFollowups: 2,
    });
    const idle = task('idle', { state: 'idle', recordedState: 'idle', ranBefore: true, pendingFollowups: 1 });
    expect(planCycle([merged, idle], limits, now)).toEqual([{ kind: 'start_inbox', slug: 'idle' }]);
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

describe('planCycle at usage limits', () => {
  const limit = (over: Partial<AgentLimit> = {}): AgentLimit => ({
    agent: 'claude',
    retryAt: '2026-11-27T12:30:00.000Z',
    reset: '2026-11-27T12:29:00.000Z',
    slug: 'p1',
    at: '2026-11-27T11:00:00.000Z',
    probe: null,
    ...over,
  });
  const parked = (slug: string, over: Partial<CycleTask> = {}): CycleTask =>
    task(slug, {
      state: 'limited',
      recordedState: 'limited',
      ranBefore: true,
      agent: 'claude',
      limitedAgent: 'claude',
      ...over,
    });
  const plan = (
    tasks: CycleTask[],
    l: AgentLimit | null,
    at = now,
    lim: Parameters<typeof planCycle>[1] = limits,
  ) => planCycle(tasks, lim, at, { agentLimits: new Map(l === null ? [] : [[l.agent, l]]) });

  it('before the reset nothing starts with the limited agent; another agent goes on', () => {
    const tasks = [
      parked('p1', { pendingFollowups: 1 }),
      task('ready-claude', { agent: 'claude', priority: 9 }),
      task('idle-claude', { agent: 'claude', state: 'idle', ranBefore: true, pendingFollowups: 2 }),
      task('ready-codex', { agent: 'codex' }),
    ];
    expect(plan(tasks, limit())).toEqual([{ kind: 'dispatch', slug: 'ready-codex' }]);
  });

  it('at the reset one probe resumes the parked task of highest priority, and the agent stays held', () => {
    const later = new Date('2026-11-27T12:31:00.000Z');
    const tasks = [parked('p1'), parked('p2', { priority: 5 }), task('ready-claude', { agent: 'claude' })];
    expect(plan(tasks, limit(), later)).toEqual([
      { kind: 'resume_limited', slug: 'p2', agent: 'claude', probe: true },
    ]);
    // While the probe runs without progress, nothing else of claude starts, and no second probe.
    const probing = [
      parked('p1'),
      parked('p2', { live: true, state: 'running' }),
      task('ready-claude', { agent: 'claude' }),
    ];
    expect(plan(probing, limit({ probe: { slug: 'p2', at: later.toISOString() } }), later)).toEqual([]);
  });

  it('once the probe shows progress, the agent is released: parked tasks resume by priority, then the others', () => {
    const later = new Date('2026-11-27T12:40:00.000Z');
    const tasks = [
      parked('p1'),
      parked('p3', { priority: 2 }),
      task('p2', { live: true, state: 'running', ranBefore: true, agent: 'claude', limitedAgent: null }),
      task('ready-claude', { agent: 'claude' }),
    ];
    expect(plan(tasks, limit({ probe: { slug: 'p2', at: '2026-11-27T12:31:00.000Z' } }), later)).toEqual([
      { kind: 'release_agent', slug: 'p1', agent: 'claude' },
      { kind: 'resume_limited', slug: 'p3', agent: 'claude', probe: false },
      { kind: 'resume_limited', slug: 'p1', agent: 'claude', probe: false },
    ]);
    // With more room the ready task follows them in the same cycle.
    expect(
      plan(tasks, limit({ probe: { slug: 'p2', at: 't' } }), later, { ...limits, maxConcurrent: 5 }).map(
        (d) => d.slug,
      ),
    ).toEqual(['p1', 'p3', 'p1', 'ready-claude']);
  });

  it('a probe that ended without a limit releases the agent; one whose start never happened is tried again', () => {
    const later = new Date('2026-11-27T12:40:00.000Z');
    const ended = [task('p2', { state: 'idle', ranBefore: true, agent: 'claude' })];
    expect(plan(ended, limit({ probe: { slug: 'p2', at: 't' } }), later)).toEqual([
      { kind: 'release_agent', slug: 'p1', agent: 'claude' },
    ]);
    expect(plan([parked('p2')], limit({ probe: { slug: 'p2', at: 't' } }), later)).toEqual([
      { kind: 'resume_limited', slug: 'p2', agent: 'claude', probe: true },
    ]);
    // A recorded limit nobody waits for any more goes at the reset.
    expect(plan([], limit(), later)).toEqual([{ kind: 'release_agent', slug: 'p1', agent: 'claude' }]);
  });

  it("a probe needs a slot within maxConcurrent and the agent's own cap", () => {
    const later = new Date('2026-11-27T12:31:00.000Z');
    const full = [parked('p1'), task('x', { live: true, state: 'running', ranBefore: true, agent: 'codex' })];
    expect(plan(full, limit(), later, { ...limits, maxConcurrent: 1 })).toEqual([]);
  });

  it("an agent's own maxConcurrent holds inside the global one; other agents fill the slots", () => {
    const tasks = [
      task('c1', { live: true, state: 'running', ranBefore: true, agent: 'claude' }),
      task('c2', { agent: 'claude', priority: 5 }),
      task('x1', { agent: 'codex' }),
    ];
    const caps = { ...limits, maxDispatchesPerCycle: 5, agents: { claude: { maxConcurrent: 1 } } };
    expect(planCycle(tasks, caps, now)).toEqual([{ kind: 'dispatch', slug: 'x1' }]);
    expect(
      planCycle(tasks, { ...caps, agents: { claude: { maxConcurrent: 2 } } }, now).map((d) => d.slug),
    ).toEqual(['c2', 'x1']);
  });
});
