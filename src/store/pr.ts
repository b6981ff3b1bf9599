/**
 * A task's pull request record, `tasks/logs/dispatch-<slug>.pr.json` (docs/reference.md, "Files
 * baton writes"): which PR, its state as last seen, and when the watcher polls it next. Written
 * whole (write-file-atomic); history holds what was done about it (`pr_*` events).
 */
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { ForgeProblemKind } from '../domain/forge.js';
import { isNotFound } from './history.js';
import type { RepoPaths } from './paths.js';

/** A forge problem as shown on the task: once, until it changes or goes. */
export interface PrProblem {
  kind: ForgeProblemKind;
  message: string;
  hint: string;
  since: string;
  /** Failed polls in a row (the backoff doubles per one). */
  failures: number;
}

/** The record. */
export interface PrRecord {
  slug: string;
  /** Null until a PR is open (an automatic open that failed leaves only `problem`). */
  number: number | null;
  url: string | null;
  branch: string;
  base: string;
  remote: string;
  state: 'OPEN' | 'MERGED' | 'CLOSED' | null;
  openedAt: string | null;
  adopted: boolean;
  /** The head commit, merge state and review decision the last poll saw. */
  head: string | null;
  mergeStateStatus: string | null;
  reviewDecision: string | null;
  /** Names of the checks failing on `head` at the last poll. */
  failingChecks: string[];
  checkedAt: string | null;
  nextPollAt: string | null;
  problem: PrProblem | null;
  /** Merged and the task recorded done (`pr_merged`); false while a worker still ran at the merge. */
  doneRecorded: boolean;
  /** Why removeOnMerge did not remove the worktree, when it did not. */
  removeRefused: string | null;
  /** When a poll last saw the PR open again after it was recorded closed (`pr_reopened`); absent in older records. */
  reopenedAt?: string | null;
}

/** The record's file. */
export function prFile(paths: RepoPaths, slug: string): string {
  return path.join(paths.logsDir, prFileName(slug));
}

/** Its name in tasks/logs/. */
export function prFileName(slug: string): string {
  return `dispatch-${slug}.pr.json`;
}

/** Reads a task's record; null when there is none or it cannot be read. */
export async function readPr(paths: RepoPaths, slug: string): Promise<PrRecord | null> {
  try {
    return JSON.parse(await fs.readFile(prFile(paths, slug), 'utf8')) as PrRecord;
  } catch (err) {
    if (isNotFound(err) || err instanceof SyntaxError) return null;
    throw err;
  }
}

/** Writes a task's record whole. */
export async function writePr(paths: RepoPaths, record: PrRecord): Promise<void> {
  await writeFileAtomic(prFile(paths, record.slug), `${JSON.stringify(record, null, 2)}\n`);
}

/** The slugs that have a record, from one listing of tasks/logs/. */
export function slugsWithPr(paths: RepoPaths): string[] {
  let names: string[];
  try {
    names = readdirSync(paths.logsDir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const m = /^dispatch-([a-z0-9][a-z0-9-]{0,62})\.pr\.json$/.exec(n);
    return m?.[1] ? [m[1]] : [];
  });
}

/** `readPr`, synchronously, for the board (which reads every task's files in a row). */
export function readPrSync(paths: RepoPaths, slug: string): PrRecord | null {
  try {
    return JSON.parse(readFileSync(prFile(paths, slug), 'utf8')) as PrRecord;
  } catch {
    return null;
  }
}
