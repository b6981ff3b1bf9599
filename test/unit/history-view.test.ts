import { describe, expect, it } from 'vitest';
import { renderTimeline } from '../../src/cli/history-view.js';
import { HISTORY_TYPES, toHistoryEvent, type HistoryEvent } from '../../src/domain/history.js';

/** Events as a history file holds them, checked as `readHistory` checks them. */
function events(...raw: Record<string, unknown>[]): HistoryEvent[] {
  return raw.map((r) => {
    const e = toHistoryEvent(r);
    if (e === null) throw new Error(`not an event: ${JSON.stringify(r)}`);
    return e;
  });
}

const at = (s: number): string => new Date(Date.UTC(2026, 11, 4, 9, 0, s)).toISOString();
const W1 = 'mx1-aaaaaa';
const W2 = 'mx2-bbbbbb';
const SESSION = '04fdd08b-e8a5-43ed-8542-184e0b76d779';
const FU = '1796406742617028-13ff36ca.cli-1796406742556-246406.interrupt.md';

const history = events(
  { ts: at(0), type: 'task_dispatched', runId: W1, epoch: 1, pid: 100, agent: 'claude', start: 'new' },
  { ts: at(0), type: 'worker_started', runId: W1, pid: 100, epoch: 1, start: { kind: 'new' } },
  {
    ts: at(1),
    type: 'prompt_sent',
    runId: W1,
    n: 1,
    kind: 'task',
    mode: 'new',
    prompt: 'Add a greeting.\n\n<!-- demo: steps=3 -->\nSecond line.',
  },
  { ts: at(1), type: 'agent_started', runId: W1, n: 1, pid: 101 },
  { ts: at(1), type: 'run_started', runId: W1, n: 1, pid: 101 },
  { ts: at(2), type: 'session_captured', runId: W1, n: 1, sessionId: SESSION },
  {
    ts: at(3),
    type: 'followup_received',
    runId: null,
    id: FU,
    mode: 'interrupt',
    file: 'tasks/x.followup.md',
    body: 'Stop that.',
  },
  {
    ts: at(3),
    type: 'interrupt_sent',
    runId: W1,
    n: 1,
    signal: 'SIGINT',
    reason: `follow-up ${FU}`,
    pid: 101,
  },
  {
    ts: at(5),
    type: 'run_exited',
    runId: W1,
    n: 1,
    ok: false,
    exitCode: 0,
    signal: null,
    error: 'Request interrupted by user',
  },
  {
    ts: at(5),
    type: 'prompt_sent',
    runId: W1,
    n: 2,
    kind: 'interrupt',
    mode: 'resume',
    sessionId: SESSION,
    followupIds: [FU],
    prompt: 'Stop that.',
  },
  { ts: at(6), type: 'run_started', runId: W1, n: 2, pid: 102 },
  {
    ts: at(7),
    type: 'hand_staged_committed',
    runId: W1,
    paths: ['a.txt', 'b c.txt'],
    refusedAt: at(6),
    worktree: '/r.worktrees/x',
  },
  { ts: at(8), type: 'run_exited', runId: W1, n: 2, ok: true, exitCode: 0 },
  { ts: at(8), type: 'state_changed', runId: W1, from: 'running', to: 'idle' },
  { ts: at(9), type: 'lock_released', runId: W1, epoch: 1 },
  { ts: at(70), type: 'state_changed', runId: W2, to: 'worker_gone', by: 'heartbeat', retryAt: at(100) },
  { ts: at(71), type: 'lock_taken_over', runId: W2, from: { runId: W1, pid: 100, epoch: 1 }, epoch: 2 },
  { ts: at(71), type: 'task_dispatched', runId: W2, epoch: 2, pid: 200, start: 'continue' },
  { ts: at(72), type: 'session_fallback', runId: W2, reason: 'the session is gone', prompts: 2 },
  { ts: at(73), type: 'rejected', runId: null, file: 'tasks/x.bad.followup.md', reason: 'empty' },
  {
    ts: at(74),
    type: 'removed',
    runId: null,
    worktree: '/r.worktrees/x',
    branch: 'task/x',
    branchDeleted: true,
  },
);

describe('history timeline', () => {
  it('marks worker boundaries, numbers runs across workers and follow-ups, and shortens prompts', () => {
    expect(renderTimeline(history, { slug: 'x', timeZone: 'UTC' })).toEqual([
      'x: 2 workers, 2 runs, 1 follow-up; from 2026-12-04 09:00:00 UTC',
      '09:00:00  ▶ worker 1 (run mx1-aaaaaa, pid 100): the task prompt, new session, agent claude',
      '09:00:01    run 1 prompt, the task, new session: "Add a greeting." (+1 line)',
      '09:00:01    run 1 started (agent pid 101)',
      `09:00:02    session ${SESSION}`,
      '09:00:03  follow-up #1 (interrupt) accepted: "Stop that."',
      '09:00:03    interrupting run 1: SIGINT to pid 101 (for follow-up #1)',
      '09:00:05    run 1 failed after 4.0 s: Request interrupted by user (exit 0)',
      `09:00:05    run 2 prompt, follow-up #1, resuming ${SESSION}: "Stop that."`,
      '09:00:06    run 2 started (agent pid 102)',
      "09:00:07    worker 1's agent committed changes someone staged by hand in the worktree (their own commit was refused at 09:00:06): a.txt, b c.txt",
      '09:00:08    run 2 succeeded after 2.0 s (exit 0)',
      '09:00:08    state running → idle',
      '09:00:09  ■ worker 1 done after 9.0 s: lock released',
      '09:01:10  state worker_gone (by heartbeat; retry at 09:01:40)',
      '09:01:11  lock taken over from run mx1-aaaaaa (pid 100), which was gone, by run mx2-bbbbbb',
      '09:01:11  ▶ worker 2 (run mx2-bbbbbb, pid 200): continue the session',
      '09:01:12    session fallback: the session is gone; a new session carries 2 earlier prompts',
      '09:01:13  follow-up rejected: empty (tasks/x.bad.followup.md)',
      '09:01:14  removed: worktree /r.worktrees/x, branch task/x deleted',
    ]);
  });

  it('prints whole prompts with --full, and the day when it changes', () => {
    const late = events(
      { ts: '2026-12-04T23:59:59.000Z', type: 'prompt_sent', runId: null, n: 1, prompt: 'one\ntwo' },
      { ts: '2026-12-05T00:00:01.000Z', type: 'state_changed', runId: null, from: 'idle', to: 'done' },
    );
    expect(renderTimeline(late, { full: true, timeZone: 'UTC' })).toEqual([
      '23:59:59  run 1 prompt, new session:',
      '            │ one',
      '            │ two',
      '── 2026-12-05 ──',
      '00:00:01  state idle → done',
    ]);
  });

  it('reads the time in the zone it is given', () => {
    const one = events({ ts: at(0), type: 'state_changed', runId: null, to: 'ready' });
    expect(renderTimeline(one, { timeZone: 'Asia/Kolkata' })).toEqual(['14:30:00  state ready']);
  });

  it('says something of every event type baton writes (agent_started only through run_started)', () => {
    // The least each type carries, as readers require it: a type added to HISTORY_TYPES without
    // words in the timeline fails here instead of vanishing from `baton history`.
    const least: Record<string, Record<string, unknown>> = {
      followup_received: { id: 'f1' },
      prompt_sent: { n: 1, prompt: 'p' },
      run_started: { n: 1 },
      agent_started: { n: 1, pid: 5 },
      session_captured: { sessionId: 's' },
      run_exited: { n: 1 },
      hand_staged_committed: { paths: ['a'] },
      limit_hit: { agent: 'claude', retryAt: at(9) },
      state_changed: { to: 'idle' },
      conflict_found: { key: 'k', with: 'main', kind: 'base', files: ['a'] },
      pr_opened: { number: 1, url: 'u' },
      pr_checks_failed: { number: 1, followup: 'f', text: 't', keys: ['k'] },
      pr_review: { number: 1, followup: 'f', text: 't', keys: ['k'] },
      pr_merged: { number: 1 },
      pr_closed: { number: 1 },
      claim_won: { host: 'h', epoch: 1 },
      claim_taken_over: { host: 'h', epoch: 2, from: { host: 'g', expiresAt: at(1) } },
      claim_lost: { host: 'h', epoch: 1, why: 'w' },
      claim_released: { host: 'h', epoch: 1 },
      followup_forwarded: { id: 'f1', to: 'h' },
      pr_reopened: { number: 1 },
      setup_command_started: { n: 1, command: 'c', pid: 5 },
    };
    const silent = HISTORY_TYPES.filter((type) => {
      const one = events({ ts: at(0), type, runId: W1, ...least[type] });
      return renderTimeline(one, { timeZone: 'UTC' }).length === 0;
    });
    expect(silent).toEqual(['agent_started']);
  });
});
