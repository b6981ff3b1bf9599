import { describe, expect, it } from 'vitest';
import { waitingFor, type WaitingContext, type WaitingInput } from '../../src/domain/waiting.js';

const task = (over: Partial<WaitingInput> = {}): WaitingInput => ({
  slug: 'alpha',
  state: 'ready',
  live: false,
  ranBefore: false,
  pendingFollowups: 0,
  retryAt: null,
  failure: null,
  since: '2026-12-04T10:00:00.000Z',
  ...over,
});
const watching: WaitingContext = { watcher: { pid: 42, heartbeatSeconds: 30 }, running: 1, maxConcurrent: 4 };
const none: WaitingContext = { ...watching, watcher: null };

describe('waitingFor', () => {
  it('a running task, a finished one and an idle one with nothing queued wait for nothing', () => {
    expect(waitingFor(task({ live: true, state: 'running' }), watching)).toBeNull();
    expect(waitingFor(task({ state: 'done', ranBefore: true }), watching)).toBeNull();
    expect(waitingFor(task({ state: 'idle', ranBefore: true }), none)).toBeNull();
  });

  it('a ready task names what it waits for, in order: its dispatch error, the watcher, a slot, the heartbeat', () => {
    const failure = { message: 'tasks/alpha.md names agent "claud".', hint: 'Use one of: claude.', at: 't' };
    expect(waitingFor(task({ failure }), watching)).toEqual({
      reason: 'dispatch_failed',
      detail:
        'tasks/alpha.md names agent "claud". Use one of: claude. (not retried until tasks/alpha.md or baton.yaml changes)',
      since: 't',
    });
    expect(waitingFor(task(), none)?.reason).toBe('no_watcher');
    expect(waitingFor(task(), none)?.detail).toContain('`baton watch`');
    expect(waitingFor(task(), { ...watching, running: 4 })?.detail).toBe(
      'All 4 slots are taken (maxConcurrent): it starts when a worker finishes.',
    );
    expect(waitingFor(task(), watching)).toEqual({
      reason: 'next_heartbeat',
      detail: 'The watcher (pid 42) starts it at its next heartbeat, within 30 s.',
      since: '2026-12-04T10:00:00.000Z',
    });
  });

  it('a retry says when, and that it needs a watcher', () => {
    const gone = task({ state: 'worker_gone', ranBefore: true, retryAt: '2026-12-04T10:05:00.000Z' });
    expect(waitingFor(gone, watching)?.reason).toBe('retry');
    expect(waitingFor(gone, watching)?.detail).toContain('2026-12-04T10:05:00.000Z');
    expect(waitingFor(gone, none)?.reason).toBe('no_watcher');
  });

  it('a stopped task with follow-ups waits for a person; a draft says how to make it ready', () => {
    expect(
      waitingFor(task({ state: 'interrupted', ranBefore: true, pendingFollowups: 2 }), watching),
    ).toEqual({
      reason: 'stopped',
      detail: 'Stopped by `baton stop`: its 2 follow-ups wait for `baton continue alpha`.',
      since: '2026-12-04T10:00:00.000Z',
    });
    expect(waitingFor(task({ state: 'draft' }), watching)?.detail).toBe(
      'A draft: set `status: ready` in tasks/alpha.md to run it.',
    );
  });

  it('follow-ups waiting for a task that ran need a watcher or a slot like a new task', () => {
    const queued = task({ state: 'idle', ranBefore: true, pendingFollowups: 1 });
    expect(waitingFor(queued, none)?.reason).toBe('no_watcher');
    expect(waitingFor(queued, { ...watching, running: 4 })?.reason).toBe('no_slot');
  });
});

describe('waitingFor at usage limits', () => {
  const at = new Date('2026-12-04T10:00:00Z');
  const ctx = { ...watching, now: at };
  const limit = { agent: 'claude', until: '2026-12-04T15:31:00Z', probe: null };
  it('a limited task says until when, and for which agent', () => {
    const w = waitingFor(
      task({
        state: 'limited',
        ranBefore: true,
        retryAt: limit.until,
        agentLimit: limit,
        pendingFollowups: 1,
      }),
      ctx,
    );
    expect(w?.reason).toBe('limited');
    expect(w?.detail).toMatch(
      /^until \d\d:31 \(claude\): the watcher resumes its session then, then its 1 queued follow-up\.$/,
    );
    expect(
      waitingFor(task({ state: 'limited', ranBefore: true, agentLimit: limit }), { ...none, now: at })
        ?.reason,
    ).toBe('no_watcher');
  });
  it('a ready task of a limited agent waits for the reset; after it, for the probe', () => {
    expect(waitingFor(task({ agentLimit: limit }), ctx)).toMatchObject({ reason: 'limited' });
    expect(waitingFor(task({ agentLimit: limit }), ctx)?.detail).toContain(
      'claude is at its usage limit until',
    );
    const after = { ...ctx, now: new Date('2026-12-04T16:00:00Z') };
    expect(
      waitingFor(task({ state: 'limited', ranBefore: true, agentLimit: { ...limit, probe: 'other' } }), after)
        ?.detail,
    ).toContain('tries it with other first');
    expect(waitingFor(task({ state: 'idle', ranBefore: true, agentLimit: limit }), ctx)).toBeNull();
  });
});
