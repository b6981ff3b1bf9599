/** Shared data shapes that cross module boundaries. Pure types: no I/O here. */
import type { SetupOverrides } from './setup.js';
import type { TaskState } from './states.js';

/** A task file's `status` front-matter value. */
export type TaskFileStatus = 'draft' | 'ready' | 'done' | 'cancelled';

/** A parsed, valid task file `tasks/<slug>.md`. */
export interface Task {
  slug: string;
  /** Path relative to the repository root, e.g. `tasks/alpha.md`. */
  file: string;
  status: TaskFileStatus;
  /** A key of `agents` in config; undefined means `defaultAgent`. */
  agent: string | undefined;
  /**
   * Branch to start from; undefined means the repository's current branch. `after` (with exactly
   * one task in `after`) means that task's branch (domain/dependencies.ts).
   */
  base: string | undefined;
  /** Tasks that must be `done` before this one is dispatched (front matter `after:`); [] when none. */
  after: string[];
  /** With `after`: each dependency's branch must also be merged into its base (`after-merge: true`). */
  afterMerge: boolean;
  priority: number;
  title: string | undefined;
  /** The markdown body: the prompt. Never empty. */
  body: string;
  /** The task's own `setup`, `teardown` and `ports`, laid over baton.yaml's key by key. */
  worktreeSetup: SetupOverrides;
  /** Unknown front-matter keys, kept and ignored. */
  extra: Record<string, unknown>;
  /** What the conflict radar does about this task's new conflicts; undefined: baton.yaml's `onConflict`. */
  onConflict?: 'report' | 'followup' | undefined;
}

/** How a follow-up reaches a running agent (docs/design.md, "Follow-ups reach an agent exactly once"). */
export type FollowupMode = 'queue' | 'steer' | 'interrupt';

/** The holder of a lock: a process, identified so that pid reuse is detected. */
export interface ProcessIdentity {
  pid: number;
  /** Process start time in clock ticks since boot (Linux: field 22 of /proc/<pid>/stat); a string elsewhere. */
  startTime: string;
  bootId: string;
}

/** The task's status json (`tasks/logs/dispatch-<slug>.status.json`). Stable: documented in docs/reference.md. */
export interface TaskStatus {
  slug: string;
  state: TaskState;
  agent: string | null;
  branch: string | null;
  worktree: string | null;
  /** The worker holding the lock; null when none. */
  pid: number | null;
  /** The agent process (its process group leader); null when no agent runs. */
  agentPid: number | null;
  runId: string | null;
  epoch: number | null;
  sessionId: string | null;
  /** Agent runs recorded for this task, over all run ids. */
  runs: number;
  pendingFollowups: number;
  lastExitCode: number | null;
  startedAt: string | null;
  updatedAt: string;
  lastOutputAt: string | null;
  /** Last agent event that showed real work (a message, a tool call, a completed item). */
  lastProgressAt: string | null;
  retryAt: string | null;
  /** Automatic retries (after worker_gone or stalled) since a person last dispatched, continued or followed up. */
  autoRetries: number;
  /**
   * The agent whose usage limit the task waits for (state `limited`, `retryAt` its reset plus
   * `limitBufferSeconds`), kept while the run resumed at the reset has shown no progress yet.
   * Absent in statuses older than usage limits.
   */
  limitedAgent?: string | null;
  /** Limits without a reset time in a row (the backoff doubles per one); absent or 0 otherwise. */
  limitHits?: number;
  error: string | null;
  /** The worktree's port block (BATON_PORT, BATON_PORT_COUNT); absent before the first worker ran. */
  ports?: { base: number; count: number } | null;
}
