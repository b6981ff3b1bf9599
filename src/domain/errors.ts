/**
 * Every error a user can see has a stable code, one sentence saying what is wrong, and a hint
 * saying what to do next. The CLI entry maps `exitCode` to the process exit code; nothing else
 * calls `process.exit`.
 */

/** Exit codes (README.md, "CLI"). */
export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  busy: 3,
  unknownTask: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable error codes; scripts may match on them (`baton ... --json` prints them). */
export type ErrorCode =
  | 'BAD_CONFIG'
  | 'BAD_TASK'
  | 'BAD_SLUG'
  | 'BAD_FOLLOWUP'
  | 'BUSY'
  | 'UNKNOWN_TASK'
  | 'NOT_A_REPO'
  | 'NO_COMMITS'
  /** The repository has no tasks/ folder: `baton init` was never run there. */
  | 'NOT_INITIALISED'
  /** `baton service install` on a machine with no user service manager (no systemd running). */
  | 'NO_SERVICE_MANAGER'
  | 'GIT_FAILED'
  | 'WORKTREE_CONFLICT'
  | 'TASK_NOT_DISPATCHABLE'
  | 'WORKER_FAILED'
  /** The worker died before it confirmed its assignment: the hand-off can be made to another. */
  | 'WORKER_DIED'
  | 'LOCK_FAILED'
  /** The task's agent is at its usage limit (or its own `maxConcurrent`): it starts later, by itself. */
  | 'AGENT_LIMITED'
  /** A worktree's setup or teardown (copy, a command, its port block) failed. */
  | 'SETUP_FAILED'
  /** The task waits for tasks in its `after:` that are not done (or not merged): `--force` starts it anyway. */
  | 'TASK_BLOCKED'
  /** `baton pr`: the forge is not there (its CLI missing or logged out, no remote, a push refused, rate limited). */
  | 'FORGE_UNAVAILABLE'
  /** Cluster mode: another host holds the task's claim, or the task ran on another host. */
  | 'CLAIM_HELD'
  /** Cluster mode: the task ran on another host (its worktree and session are there); only a person moves it. */
  | 'CLAIM_ELSEWHERE'
  /** Cluster mode: the task's claim could not be read or made (the remote is unreachable): nothing starts unclaimed. */
  | 'REMOTE_UNAVAILABLE'
  | 'USAGE'
  | 'INTERNAL';

const exitCodeOf: Record<ErrorCode, ExitCode> = {
  BAD_CONFIG: ExitCode.error,
  BAD_TASK: ExitCode.error,
  BAD_SLUG: ExitCode.usage,
  BAD_FOLLOWUP: ExitCode.error,
  BUSY: ExitCode.busy,
  UNKNOWN_TASK: ExitCode.unknownTask,
  NOT_A_REPO: ExitCode.error,
  NO_COMMITS: ExitCode.error,
  NOT_INITIALISED: ExitCode.error,
  NO_SERVICE_MANAGER: ExitCode.error,
  GIT_FAILED: ExitCode.error,
  WORKTREE_CONFLICT: ExitCode.error,
  TASK_NOT_DISPATCHABLE: ExitCode.error,
  WORKER_FAILED: ExitCode.error,
  WORKER_DIED: ExitCode.error,
  LOCK_FAILED: ExitCode.error,
  AGENT_LIMITED: ExitCode.busy,
  SETUP_FAILED: ExitCode.error,
  TASK_BLOCKED: ExitCode.error,
  FORGE_UNAVAILABLE: ExitCode.error,
  CLAIM_HELD: ExitCode.busy,
  CLAIM_ELSEWHERE: ExitCode.error,
  REMOTE_UNAVAILABLE: ExitCode.error,
  USAGE: ExitCode.usage,
  INTERNAL: ExitCode.error,
};

/** A user-facing error: `message` is one sentence, `hint` what to do about it. */
export class BatonError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BatonError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = exitCodeOf[code];
  }
}

/** A problem found in user input, as data: which file, which line (1-based) when known, what. */
export interface Problem {
  file: string;
  line?: number;
  message: string;
}

/** `file:line: message` — the one-line form used in status and error output. */
export function formatProblem(p: Problem): string {
  return `${p.file}${p.line === undefined ? '' : `:${p.line}`}: ${p.message}`;
}

/** Expected failures are data. */
export type Result<T, E = Problem[]> = { ok: true; value: T } | { ok: false; error: E };
