/**
 * A dispatch that failed for a reason that will not go away by itself (`dispatch-<slug>.blocked.json`
 * in tasks/logs/): an unknown agent, an agent that is not installed, a repository with no
 * commits, a worktree in the way. The heartbeat passes the task over while the record is current
 * (neither the task file nor baton.yaml changed since), so one bad task never spends the
 * cycle's dispatch again; `baton status` shows the error until the cause is fixed.
 */
import { promises as fs, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { DispatchFailure } from '../domain/waiting.js';
import type { RepoPaths } from './paths.js';

/** What is recorded: the failure, and the versions of the two files it was judged against. */
export interface DispatchFailureRecord extends DispatchFailure {
  code: string;
  /** The task file's identity when it failed (`fileVersion`). */
  task: string;
  /** baton.yaml's identity when it failed. */
  config: string;
}

/** The error codes that will not go away without a change to the task, the config or the repository. */
export const LASTING_DISPATCH_ERRORS: ReadonlySet<string> = new Set([
  'BAD_TASK',
  'BAD_CONFIG',
  'NO_COMMITS',
  'WORKTREE_CONFLICT',
  'TASK_NOT_DISPATCHABLE',
  'CLAIM_ELSEWHERE',
]);

/** The record's path. */
export function failureFile(paths: RepoPaths, slug: string): string {
  return path.join(paths.logsDir, failureFileName(slug));
}

/** The record's file name in tasks/logs/. */
export function failureFileName(slug: string): string {
  return `dispatch-${slug}.blocked.json`;
}

/** A file's version as far as a person's edit goes: size and mtime; `none` when absent. */
export function fileVersion(file: string): string {
  const st = statSync(file, { throwIfNoEntry: false });
  return st === undefined ? 'none' : `${st.size}:${st.mtimeMs}`;
}

/** The versions a record is judged against. */
export function currentVersions(paths: RepoPaths, slug: string): { task: string; config: string } {
  return {
    task: fileVersion(path.join(paths.tasksDir, `${slug}.md`)),
    config: fileVersion(paths.configFile),
  };
}

/** Records a lasting failure of the task's dispatch. */
export async function recordFailure(
  paths: RepoPaths,
  slug: string,
  failure: { code: string; message: string; hint: string | null },
  now: Date = new Date(),
): Promise<DispatchFailureRecord> {
  const record: DispatchFailureRecord = {
    ...failure,
    at: now.toISOString(),
    ...currentVersions(paths, slug),
  };
  await fs.mkdir(paths.logsDir, { recursive: true });
  await writeFileAtomic(failureFile(paths, slug), `${JSON.stringify(record, null, 2)}\n`, { fsync: false });
  return record;
}

/** Forgets the failure (the task dispatched, or was removed). */
export async function clearFailure(paths: RepoPaths, slug: string): Promise<void> {
  await fs.rm(failureFile(paths, slug), { force: true });
}

/** The recorded failure, or null when there is none or it is unreadable. */
export function readFailureSync(file: string): DispatchFailureRecord | null {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<DispatchFailureRecord>;
    if (typeof o.message !== 'string' || typeof o.task !== 'string' || typeof o.config !== 'string')
      return null;
    return {
      code: typeof o.code === 'string' ? o.code : 'UNKNOWN',
      message: o.message,
      hint: typeof o.hint === 'string' ? o.hint : null,
      at: typeof o.at === 'string' ? o.at : '',
      task: o.task,
      config: o.config,
    };
  } catch {
    return null;
  }
}

/** True while neither the task file nor baton.yaml changed since the failure was recorded. */
export function isCurrent(record: DispatchFailureRecord, paths: RepoPaths, slug: string): boolean {
  const now = currentVersions(paths, slug);
  return record.task === now.task && record.config === now.config;
}
