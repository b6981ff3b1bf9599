/**
 * What a worker is told to do. The dispatcher spawns `baton worker`, takes the lock in the
 * worker's name, then writes one assignment as JSON on the worker's stdin and closes it. A
 * worker that reads EOF without an assignment lost the race (or its dispatcher died) and exits.
 */

/** How the worker's first agent run begins. */
export type StartKind =
  /** A task that never ran: its prompt in a new session. */
  | { kind: 'new' }
  /** A new session with the task prompt, whatever ran before (`dispatch --fresh`). */
  | { kind: 'fresh' }
  /** Continue the recorded session with `text`, or with an instruction to continue. */
  | { kind: 'continue'; text: string | null }
  /** Only run what waits in the inbox (a follow-up started the worker). */
  | { kind: 'inbox' };

/** The assignment a worker reads from stdin. */
export interface Assignment {
  root: string;
  slug: string;
  runId: string;
  epoch: number;
  lockPath: string;
  worktree: string;
  branch: string;
  agent: string;
  start: StartKind;
  /**
   * The config the dispatcher judged the task by (config/types.ts `Config`, as plain JSON): the
   * worker runs by it rather than reading baton.yaml again, so an edit that breaks baton.yaml
   * after the dispatch (the watcher keeps its last good config meanwhile) fails nothing.
   * Absent from an older dispatcher: the worker reads baton.yaml then.
   */
  config?: Record<string, unknown>;
}

/** Parses the assignment text; null when it is absent or malformed (the worker then exits). */
export function parseAssignment(text: string): Assignment | null {
  if (text.trim() === '') return null;
  try {
    const a = JSON.parse(text) as Partial<Assignment>;
    const ok =
      typeof a.root === 'string' &&
      typeof a.slug === 'string' &&
      typeof a.runId === 'string' &&
      typeof a.epoch === 'number' &&
      typeof a.lockPath === 'string' &&
      typeof a.worktree === 'string' &&
      typeof a.branch === 'string' &&
      typeof a.agent === 'string' &&
      typeof a.start === 'object' &&
      a.start !== null &&
      (a.config === undefined ||
        (typeof a.config === 'object' && a.config !== null && !Array.isArray(a.config)));
    return ok ? (a as Assignment) : null;
  } catch {
    return null;
  }
}
