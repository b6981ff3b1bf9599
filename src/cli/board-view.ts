/**
 * The board as scripts see it: the stable json of `status --json`, which the table of `status`
 * (board-text.ts) is drawn from too. Pure: it formats a board already read (ops/board.ts reads
 * it) and does no I/O.
 */
import type { HandStagedNotice } from '../domain/hand-staged.js';
import { waitingFor, type Waiting } from '../domain/waiting.js';
import type { HookRepair } from '../hooks/repairs.js';
import type { Board, BoardTask } from '../ops/board.js';
import { agentLimitOf, limitsContext, type BoardContext } from './board-limits.js';

/** The stable json shape of `status --json`. */
export function boardJson(board: Board): {
  tasks: Record<string, unknown>[];
  rejected: Record<string, unknown>[];
  problems: string[];
  watcher: { pid: number; since: string } | null;
  drops: number;
  hooks: { lastRepair: HookRepair | null };
  radar: { off: string | null };
} {
  const ctx = waitingContext(board);
  return {
    tasks: board.tasks.map((t) => taskJson(t, ctx)),
    rejected: board.rejected.map((r) => ({ ...r })),
    problems: board.problems,
    watcher: board.watcher ?? null,
    drops: board.drops ?? 0,
    hooks: { lastRepair: board.hookRepair ?? null },
    radar: { off: board.radarOff ?? null },
  };
}

/** What a waiting task is judged against: the watcher, the slots taken, the limits. */
export function waitingContext(board: Board): BoardContext {
  const limits = board.limits ?? { maxConcurrent: Infinity, heartbeatSeconds: 30 };
  return {
    watcher: board.watcher ? { pid: board.watcher.pid, heartbeatSeconds: limits.heartbeatSeconds } : null,
    running: board.tasks.filter((t) => t.lock?.live).length,
    maxConcurrent: limits.maxConcurrent,
    ...limitsContext(board),
  };
}

/** Why the task waits, if it does (domain/waiting.ts). */
function waitingOf(t: BoardTask, ctx: BoardContext): Waiting | null {
  if (t.slug === null || t.task === null) return null;
  const s = t.status;
  return waitingFor(
    {
      slug: t.slug,
      state: t.state,
      live: t.lock?.live === true,
      ranBefore: (s?.runId ?? null) !== null,
      pendingFollowups: t.pendingFollowups,
      retryAt: s?.retryAt ?? null,
      failure: t.failure ?? null,
      since: s?.updatedAt ?? (t.fileMtimeMs ? new Date(t.fileMtimeMs).toISOString() : null),
      agentLimit: agentLimitOf(t, ctx),
      blockedOn: t.blockedOn ?? [],
    },
    ctx,
  );
}

/**
 * The last agent commit that carried hand-staged changes, while the run that made it is the
 * task's latest: a later run means the operator has moved on (history keeps it).
 */
function handStagedOf(t: BoardTask): HandStagedNotice | null {
  const n = t.handStaged ?? null;
  return n !== null && n.runId === (t.status?.runId ?? null) ? n : null;
}

/** One task as `status --json` shows it. */
export function taskJson(t: BoardTask, ctx: BoardContext): Record<string, unknown> {
  const s = t.status;
  return {
    slug: t.slug,
    file: t.file,
    state: t.state,
    title: t.task?.title ?? null,
    priority: t.task?.priority ?? null,
    agent: s?.agent ?? t.task?.agent ?? null,
    branch: s?.branch ?? null,
    worktree: s?.worktree ?? null,
    ports: s?.ports ?? null,
    pid: t.lock?.live ? t.lock.pid : null,
    agentPid: t.lock?.live ? (s?.agentPid ?? null) : null,
    runId: s?.runId ?? null,
    epoch: s?.epoch ?? t.lock?.epoch ?? null,
    sessionId: s?.sessionId ?? null,
    runs: s?.runs ?? 0,
    pendingFollowups: t.pendingFollowups,
    lastExitCode: s?.lastExitCode ?? null,
    startedAt: s?.startedAt ?? null,
    updatedAt: s?.updatedAt ?? null,
    lastOutputAt: s?.lastOutputAt ?? null,
    lastProgressAt: s?.lastProgressAt ?? null,
    retryAt: s?.retryAt ?? null,
    limitedAgent: s?.limitedAgent ?? null,
    autoRetries: s?.autoRetries ?? 0,
    error: t.error ?? t.failure?.message ?? null,
    waiting: waitingOf(t, ctx),
    handStagedCommitted: handStagedOf(t),
    after: t.task?.after ?? [],
    blockedOn: (t.blockedOn ?? []).map((u) => u.slug),
    // The conflict radar's last look (src/watch/radar.ts): null/[] for a task it does not watch.
    base: t.radar?.base ?? null,
    behind: t.radar?.behind ?? null,
    conflicts: t.radar?.conflicts ?? [],
    pr: prJson(t),
  };
}

/** The task's pull request as `status --json` shows it, or null. */
function prJson(t: BoardTask): Record<string, unknown> | null {
  const p = t.pr ?? null;
  if (p === null) return null;
  return {
    number: p.number,
    url: p.url,
    state: p.state,
    base: p.base,
    head: p.head,
    failingChecks: p.failingChecks,
    reviewDecision: p.reviewDecision,
    checkedAt: p.checkedAt,
    nextPollAt: p.nextPollAt,
    problem: p.problem,
    removeRefused: p.removeRefused,
    reopenedAt: p.reopenedAt ?? null,
  };
}
