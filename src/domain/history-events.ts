/**
 * The shape of each history event, one interface per type, and their union. Pure types: the list
 * of types and the check that turns a parsed line into an event are history.ts, which re-exports
 * everything here (import from there).
 */
import type { HistoryType } from './history.js';

interface Base<T extends HistoryType> {
  ts: string;
  type: T;
  /** The worker's run id; null for events outside a run (a follow-up accepted while idle). */
  runId: string | null;
}

/** A lock holder as a takeover names it. */
export interface HolderRef {
  runId: string;
  pid: number;
  epoch: number;
}

/** A dispatcher (or a worker taking up its own inbox) handed the task to a worker. */
export interface TaskDispatched extends Base<'task_dispatched'> {
  epoch: number;
  pid: number;
  agent?: string;
  start: string;
  by?: 'worker';
}
/** The worker took up its assignment. */
export interface WorkerStarted extends Base<'worker_started'> {
  pid: number;
  epoch: number;
  start: string;
}
/** The worker began setting up a new worktree (`copy` patterns, `commands`, its `ports`). */
export interface SetupStarted extends Base<'setup_started'> {
  copy?: number;
  commands?: number;
  ports?: { base: number; count: number };
}
/** The worktree's setup succeeded (`commands` run, `ms` taken). */
export interface SetupDone extends Base<'setup_done'> {
  commands?: number;
  ms?: number;
}
/** A setup command failed; the agent was not started. */
export interface SetupFailed extends Base<'setup_failed'> {
  command?: string;
  exitCode?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  log?: string;
}
/** `baton remove` ran the teardown commands and they succeeded. */
export interface TeardownDone extends Base<'teardown_done'> {
  commands?: number;
}
/** A teardown command failed (the remove went on only when forced). */
export interface TeardownFailed extends Base<'teardown_failed'> {
  command?: string;
  exitCode?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  log?: string;
  force?: boolean;
}
/** A follow-up was accepted into the inbox; `claim` (absent in old histories) names its claim file. */
export interface FollowupReceived extends Base<'followup_received'> {
  id: string;
  mode?: string;
  file?: string;
  claim?: string;
  body?: string;
}
/** The worker chose the next prompt: the whole text, and the follow-ups it delivers. */
export interface PromptSent extends Base<'prompt_sent'> {
  n: number;
  kind?: string;
  /** `new`, `resume`, or `live` for a steer. */
  mode?: string;
  sessionId?: string | null;
  promptFile?: string;
  followupIds?: string[];
  modes?: string[];
  delivery?: string;
  /** The earlier `prompt_sent` (of a killed worker) this one sends again. */
  redelivery?: { runId: string; n: number };
  prompt: string;
}
/** The worker is starting agent run `n`. */
export interface RunStarted extends Base<'run_started'> {
  n: number;
  pid?: number | null;
  argv?: string[];
  /** Set by workers whose agents record `agent_started`; old histories lack it. */
  startRecorded?: boolean;
}
/** Written by the agent's own process just before it execs the agent. */
export interface AgentStarted extends Base<'agent_started'> {
  n: number;
  pid: number;
}
/** The agent's session id became known. */
export interface SessionCaptured extends Base<'session_captured'> {
  n?: number;
  sessionId: string;
}
/** Agent run `n` ended; `orphaned` when a later worker ended an agent its dead worker left. */
export interface RunExited extends Base<'run_exited'> {
  n: number;
  ok?: boolean;
  exitCode?: number | null;
  signal?: string | null;
  error?: string | null;
  sessionId?: string | null;
  orphaned?: boolean;
}
/** The worker signalled its agent to stop. */
export interface InterruptSent extends Base<'interrupt_sent'> {
  n?: number;
  signal?: string;
  reason?: string;
  pid?: number;
}
/** A steer message went into the live session. */
export interface SteerSent extends Base<'steer_sent'> {
  n?: number;
  id?: string;
  delivered?: string;
}
/** No session could be resumed: a new one carries the earlier prompts. */
export interface SessionFallback extends Base<'session_fallback'> {
  reason?: string;
  prompts?: number;
}
/** No progress for `stallSeconds`: the worker stopped its agent. */
export interface Stalled extends Base<'stalled'> {
  n?: number;
  idleSeconds?: number;
}
/**
 * Written by the git hook: the agent's commit carries changes someone staged by hand in the
 * worktree while their own commit was refused (domain/hand-staged.ts). The commit went on.
 */
export interface HandStagedCommitted extends Base<'hand_staged_committed'> {
  paths: string[];
  /** When the person's commit was refused. */
  refusedAt?: string;
  worktree?: string;
}
/** A run ended at its agent's usage limit: what the agent said, and when baton tries again. */
export interface LimitHit extends Base<'limit_hit'> {
  agent: string;
  /** The line the limit was read from. */
  raw?: string;
  /** What the agent said of the reset (domain/limits.ts, `ResetSpec`). */
  said?: unknown;
  /** The reset instant, or null when none was named (or it was past): a backoff. */
  reset?: string | null;
  /** `unix`, `in`, `clock`, `clock_local` or `backoff`. */
  how?: string;
  retryAt: string;
  backoffSeconds?: number;
}
/** The task's state changed (by the worker, the heartbeat, doctor or remove). */
export interface StateChanged extends Base<'state_changed'> {
  from?: string | null;
  to: string;
  by?: string;
  reason?: string;
  error?: string;
  retryAt?: string;
}
/** A stale lock was taken over. */
export interface LockTakenOver extends Base<'lock_taken_over'> {
  from?: HolderRef;
  epoch?: number;
  by?: string;
}
/** The worker let go of the task's lock, the last thing it does. */
export interface LockReleased extends Base<'lock_released'> {
  epoch?: number;
}
/** A follow-up for this task could not be accepted. */
export interface Rejected extends Base<'rejected'> {
  file?: string;
  reason?: string;
}
/** `baton remove` deleted the worktree, and the branch when it did. */
export interface Removed extends Base<'removed'> {
  worktree?: string | null;
  branch?: string;
  branchDeleted?: boolean;
  unmergedHead?: string;
  unmergedCommits?: number;
  branchKept?: string | null;
  discardedChanges?: unknown;
  force?: boolean;
}

/**
 * A task with `after:` was dispatched: its dependencies were all met when the dispatch began,
 * or `forced` past the ones named in `waitingFor` (`baton dispatch --force`).
 */
export interface Unblocked extends Base<'unblocked'> {
  after: string[];
  afterMerge?: boolean;
  forced?: boolean;
  waitingFor?: string[];
  by?: 'watcher' | 'dispatch';
}
/** `baton pr` pushed the branch and opened (or adopted) its pull request. */
export interface PrOpened extends Base<'pr_opened'> {
  number: number;
  url: string;
  branch?: string;
  base?: string;
  remote?: string;
  /** An open PR of the branch was found and taken up, not created. */
  adopted?: boolean;
  by?: string;
}
/**
 * A reaction to what a PR poll saw, recorded before its follow-up is written (ops/pr-react.ts):
 * `keys` are what it reacted to, `followup` the drop it sends, `text` that drop's words.
 */
interface PrReaction {
  number: number;
  head?: string | null;
  keys: string[];
  followup: string;
  text: string;
}
/** A check failed on the PR's head commit: one follow-up names it with its log. */
export interface PrChecksFailed extends Base<'pr_checks_failed'>, PrReaction {
  checks?: string[];
}
/** New review comments, or changes requested: one follow-up with each comment. */
export interface PrReview extends Base<'pr_review'>, PrReaction {
  comments?: number;
}
/** The PR was merged: the task became `done` (its file is not changed). */
export interface PrMerged extends Base<'pr_merged'> {
  number: number;
  url?: string;
  head?: string | null;
}
/** The PR was closed without being merged. */
export interface PrClosed extends Base<'pr_closed'> {
  number: number;
  url?: string;
}

/** A PR recorded closed (unmerged) was seen open again by the slow poll of closed PRs: it is watched as before. */
export interface PrReopened extends Base<'pr_reopened'> {
  number: number;
  url?: string;
  head?: string | null;
}

/** The conflict radar found a new conflict of the task's branch (domain/radar.ts), once per pair of tips. */
export interface ConflictFound extends Base<'conflict_found'> {
  /** The base branch, or the other task's slug. */
  with: string;
  kind: 'base' | 'task';
  branch: string;
  files: string[];
  /** The tips it was found at: a conflict is new when its key is. */
  key: string;
  /** True when a follow-up was queued for the agent (`onConflict: followup`). */
  followup: boolean;
}

/** Cluster mode: what a claim event names (docs/design.md, "Several hosts"). */
interface ClaimFields {
  /** The host that won, took over, lost or released the claim. */
  host: string;
  /** The claim's epoch: grows with every new holder, across hosts. */
  epoch: number;
  /** The remote and ref. */
  ref: string;
}
/** This host claimed the task on the remote before dispatching it. */
export interface ClaimWon extends Base<'claim_won'>, ClaimFields {}
/** This host took over a claim whose lease had lapsed beyond the skew margin (`from`: the holder it replaced). */
export interface ClaimTakenOver extends Base<'claim_taken_over'>, ClaimFields {
  from: { host: string; epoch: number; expiresAt: string };
}
/** This host's claim was lost (`why`: taken over elsewhere, or the remote unreachable until the lease would lapse). */
export interface ClaimLost extends Base<'claim_lost'>, ClaimFields {
  why: string;
}
/** This host let the claim go as its worker released the local lock. */
export interface ClaimReleased extends Base<'claim_released'>, ClaimFields {}
/** A follow-up accepted here was sent to the host holding the task (`to`), under `id` in the remote inbox. */
export interface FollowupForwarded extends Base<'followup_forwarded'> {
  id: string;
  to: string;
  ref: string;
  file: string;
}

/**
 * The worker started setup command `n` (`command`) in a process group of its own, `pid`: until
 * its run records the next command or the setup's end, it may be running.
 */
export interface SetupCommandStarted extends Base<'setup_command_started'> {
  n: number;
  command: string;
  pid: number;
}
/**
 * baton ended a setup command before it finished (SIGTERM to its group, then SIGKILL after
 * interruptGraceSeconds): a stop, or, `orphaned`, its worker died and the heartbeat, the next
 * worker, `stop` or `remove` found it (`signal` null: it no longer ran). `error` says who and why.
 */
export interface SetupEnded extends Base<'setup_ended'> {
  n?: number;
  command?: string;
  pid?: number;
  signal?: string | null;
  orphaned?: boolean;
  error?: string;
}

/** One history event. */
export type HistoryEvent =
  | TaskDispatched
  | WorkerStarted
  | SetupStarted
  | SetupDone
  | SetupFailed
  | FollowupReceived
  | PromptSent
  | RunStarted
  | AgentStarted
  | SessionCaptured
  | RunExited
  | InterruptSent
  | SteerSent
  | SessionFallback
  | Stalled
  | HandStagedCommitted
  | LimitHit
  | StateChanged
  | LockTakenOver
  | LockReleased
  | Rejected
  | TeardownDone
  | TeardownFailed
  | Removed
  | Unblocked
  | ConflictFound
  | PrOpened
  | PrChecksFailed
  | PrReview
  | PrMerged
  | PrClosed
  | ClaimWon
  | ClaimTakenOver
  | ClaimLost
  | ClaimReleased
  | FollowupForwarded
  | PrReopened
  | SetupCommandStarted
  | SetupEnded;

/** The event of type `T`. */
export type EventOf<T extends HistoryType> = Extract<HistoryEvent, { type: T }>;

/** What a writer supplies for an event of type `T`: everything but `ts`, `type` and `runId`. */
export type HistoryFields<T extends HistoryType> = Omit<EventOf<T>, 'ts' | 'type' | 'runId'>;
