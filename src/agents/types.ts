/**
 * The contract between baton's worker and an agent preset. A driver is pure: it builds the argv
 * and the stdin plan of a run and parses the run's output into events; the worker spawns the
 * process, feeds stdin as planned, passes every output line to the parser and calls `finish`.
 */
import type { LimitNotice } from '../domain/limits.js';

/** Everything a driver may put into an agent's argv or stdin for one run. */
export interface RunContext {
  prompt: string;
  /** Absolute path of the prompt file (outside the worktree). */
  promptFile: string;
  /** The session to resume; null for a new session. */
  sessionId: string | null;
  slug: string;
  /** realpath of the task's worktree (the agent's cwd). */
  worktree: string;
  runId: string;
}

/** What one line of agent output means to the supervisor. */
export type AgentEvent =
  /** A session id seen (init line, thread.started, pattern match); reported again only when it changes. */
  | { type: 'session'; id: string }
  /** The line shows real work: an assistant message, a tool call or result, a completed item. */
  | { type: 'progress'; what: string }
  /** The agent's own verdict on the run; a later verdict in the same run replaces it. */
  | { type: 'result'; ok: boolean; error: string | null; sessionNotFound: boolean }
  /** Anything else. Errors, retries and spinners are noise: they are not progress. */
  | { type: 'noise' };

/** How a run ended, read from the agent's own events first and its exit second (docs/reference.md, "States"). */
export interface RunOutcome {
  /**
   * The run failed because the agent's account hit its usage limit (agents/limits.ts): what it
   * said. Absent or null otherwise; never set on a run that ended well.
   */
  limit?: LimitNotice | null;
  ok: boolean;
  /** The agent's own error message, or how the process ended when it gave none. */
  error: string | null;
  /** The agent said the session to resume does not exist: start a new one with the history. */
  sessionNotFound: boolean;
  /** The last session id seen in this run; null when none was (the previous one still holds). */
  sessionId: string | null;
  exitCode: number | null;
  signal: string | null;
}

/** Which stream a line came from. stderr lines never count as progress. */
export type OutputStream = 'stdout' | 'stderr';

/** Parses one run's output. Create one per run: it remembers what it has seen. */
export interface OutputParser {
  /**
   * Feed one line of output, without its line break. `stream` defaults to stdout. Feed stderr
   * too where you can: some failures are only there (Codex prints "no rollout found for thread
   * id" on stderr alone when a resume fails).
   */
  line(text: string, stream?: OutputStream): AgentEvent[];
  /** The outcome once the process has exited. */
  finish(exit: { code: number | null; signal: string | null }): RunOutcome;
}

/**
 * What the worker does with the agent's stdin for one run.
 * - `ignore`: spawn with stdin `'ignore'`. Codex treats a piped stdin as part of the prompt, and
 *   an open pipe nobody writes to makes some CLIs wait.
 * - `text`: write `text`, then end stdin. Used when the prompt is too large for argv.
 * - `messages`: Claude's stream-json input. Write `first` (the prompt, already a whole line).
 *   While stdin stays open the run accepts steer messages (`inputLine`); end stdin once no more
 *   will come, at the latest when a `result` event arrives: Claude processes every message
 *   written before the end of stdin, then exits, and never exits while stdin is open.
 */
export type StdinPlan =
  { kind: 'ignore' } | { kind: 'text'; text: string } | { kind: 'messages'; first: string };

/** An agent preset bound to its configuration. */
export interface AgentDriver {
  name: string;
  preset: 'claude' | 'codex' | 'command';
  /** False for a command agent with no resume template. */
  canResume: boolean;
  /** Claude with `liveInput`: every run takes its prompt and steer messages on stdin as stream-json. */
  liveInput: boolean;
  /** argv (argv[0] = executable) for a new session, or to resume `ctx.sessionId`. Never a shell string. */
  argv(ctx: RunContext, mode: 'new' | 'resume'): string[];
  /** What to do with stdin for the run that `argv(ctx, mode)` starts. A run accepts steer messages iff its plan is `messages`. */
  stdin(ctx: RunContext, mode: 'new' | 'resume'): StdinPlan;
  /** For stream-json input: the stdin line (with its `\n`) that carries a user message (prompt or steer). */
  inputLine?(text: string): string;
  createParser(): OutputParser;
}
