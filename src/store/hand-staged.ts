/**
 * The two files about changes staged by hand in a live task's worktree (domain/hand-staged.ts),
 * in tasks/logs/:
 * - `dispatch-<slug>.refused-index.json`: what was staged when the hook refused a person's
 *   commit there. Its mere presence makes the hook compare the agent's next commit with it (one
 *   `[ -f ]` in the shim, the only cost an agent's commit pays), so it is removed as soon as
 *   nothing in it is staged any more.
 * - `dispatch-<slug>.hand-staged.json`: the last `hand_staged_committed` event, for
 *   `baton status` (history holds every one).
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';

import type { HandStagedNotice, RefusedIndex, StagedEntry } from '../domain/hand-staged.js';
import type { RepoPaths } from './paths.js';

/** The refusal record's file name in tasks/logs/ (the shim builds the same name). */
export function refusedIndexFileName(slug: string): string {
  return `dispatch-${slug}.refused-index.json`;
}

/** The status notice's file name in tasks/logs/. */
export function handStagedFileName(slug: string): string {
  return `dispatch-${slug}.hand-staged.json`;
}

/** The refusal record's path. */
export function refusedIndexFile(paths: RepoPaths, slug: string): string {
  return path.join(paths.logsDir, refusedIndexFileName(slug));
}

/** The status notice's path. */
export function handStagedFile(paths: RepoPaths, slug: string): string {
  return path.join(paths.logsDir, handStagedFileName(slug));
}

/** The refusal record, or null when there is none or it is not one. */
export async function readRefusedIndex(file: string): Promise<RefusedIndex | null> {
  try {
    const v = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<RefusedIndex>;
    if (typeof v.ts !== 'string' || typeof v.worktree !== 'string' || !Array.isArray(v.entries)) return null;
    return { ts: v.ts, worktree: v.worktree, entries: v.entries.filter(isEntry) };
  } catch {
    return null;
  }
}

function isEntry(e: unknown): e is StagedEntry {
  const o = e as Partial<StagedEntry> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.path === 'string' &&
    typeof o.mode === 'string' &&
    typeof o.blob === 'string'
  );
}

/** Writes the refusal record whole, or removes it when `record` has nothing left in it. */
export async function writeRefusedIndex(file: string, record: RefusedIndex): Promise<void> {
  if (record.entries.length === 0) {
    await fs.rm(file, { force: true });
    return;
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeWhole(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** Writes the status notice whole. */
export async function writeHandStagedNotice(file: string, notice: HandStagedNotice): Promise<void> {
  await writeWhole(file, `${JSON.stringify(notice, null, 2)}\n`);
}

/** Loaded here, not up front: the hook imports this module on every commit that reaches baton. */
async function writeWhole(file: string, text: string): Promise<void> {
  const { default: writeFileAtomic } = await import('write-file-atomic');
  await writeFileAtomic(file, text, { fsync: false });
}

/** The status notice, or null when there is none or it is not one. */
export function readHandStagedNoticeSync(file: string): HandStagedNotice | null {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<HandStagedNotice>;
    if (
      typeof v.ts !== 'string' ||
      typeof v.runId !== 'string' ||
      typeof v.refusedAt !== 'string' ||
      !Array.isArray(v.paths) ||
      !v.paths.every((p) => typeof p === 'string')
    )
      return null;
    return { ts: v.ts, runId: v.runId, paths: v.paths, refusedAt: v.refusedAt };
  } catch {
    return null;
  }
}
