/**
 * The pre-commit hook's side of changes staged by hand in a live task's worktree
 * (domain/hand-staged.ts decides, store/hand-staged.ts keeps the files): at a refusal, what is
 * staged is read and recorded; at a commit that goes on while a record exists, the commit is
 * compared with it. Loaded only then: git runs here, and simple-git costs ~35 ms to load.
 */
import path from 'node:path';

import { committedLine, mergeEntries, settle } from '../domain/hand-staged.js';
import { stagedEntries } from '../git/staged.js';
import {
  handStagedFile,
  readRefusedIndex,
  refusedIndexFile,
  writeHandStagedNotice,
  writeRefusedIndex,
} from '../store/hand-staged.js';
import { appendHistory } from '../store/history.js';
import { repoPaths, taskPaths } from '../store/paths.js';

/**
 * A live worker refused a commit in `worktree`: the paths staged in its index (none when git
 * cannot tell), recorded for task `slug` when there is one. Never throws: the refusal must stand.
 */
export async function recordRefusal(
  root: string,
  slug: string | null,
  worktree: string,
  now: Date = new Date(),
): Promise<string[]> {
  try {
    // The worktree's own index: what a refused `commit -a` or `commit <paths>` staged for
    // itself is gone with the refusal; what the person staged before stays.
    const entries = await stagedEntries(worktree);
    if (entries.length === 0 || slug === null) return entries.map((e) => e.path);
    try {
      const file = refusedIndexFile(repoPaths(root), slug);
      const earlier = await readRefusedIndex(file);
      const kept = earlier?.worktree === worktree ? earlier.entries : [];
      await writeRefusedIndex(file, {
        ts: now.toISOString(),
        worktree,
        entries: mergeEntries(kept, entries),
      });
    } catch {
      // The refusal's words matter most; without the record, only the later report is lost.
    }
    return entries.map((e) => e.path);
  } catch {
    return [];
  }
}

/** A commit that goes on in task `slug`'s worktree, while a refusal record exists. */
export interface CommitCheck {
  root: string;
  slug: string;
  worktree: string;
  /** The worktree's own git dir (real path). */
  gitDir: string;
  /** The index the commit is made from (the hook's GIT_INDEX_FILE), when the shim passed it. */
  indexFile: string | null;
  /** BATON_RUN_ID of whoever commits: a run's agent, or null for a person. */
  runId: string | null;
}

/**
 * Compares the commit with the record: when an agent's commit carries recorded changes, writes
 * `hand_staged_committed` to history, then the notice status reads, and returns the line to
 * print; forgets what is no longer staged. Null when there is nothing to say.
 */
export async function checkCommit(c: CommitCheck, now: Date = new Date()): Promise<string | null> {
  const paths = repoPaths(c.root);
  const file = refusedIndexFile(paths, c.slug);
  const record = await readRefusedIndex(file);
  if (record === null) {
    await writeRefusedIndex(file, { ts: now.toISOString(), worktree: c.worktree, entries: [] });
    return null;
  }
  const indexFile = c.indexFile === null ? null : path.resolve(c.worktree, c.indexFile);
  const commit = await stagedEntries(c.worktree, indexFile ?? undefined);
  // A plain `git commit` is made from the worktree's own index: one read serves for both.
  const own = indexFile === null || indexFile === path.join(c.gitDir, 'index');
  const staged = own ? commit : await stagedEntries(c.worktree);
  const { committed, left } = settle(record.entries, commit, staged);
  let line: string | null = null;
  if (committed.length > 0 && c.runId !== null) {
    const committedPaths = committed.map((e) => e.path);
    const event = await appendHistory(
      taskPaths(paths, c.slug).historyFile,
      'hand_staged_committed',
      c.runId,
      { paths: committedPaths, refusedAt: record.ts, worktree: c.worktree },
      now,
    );
    await writeHandStagedNotice(handStagedFile(paths, c.slug), {
      ts: event.ts,
      runId: c.runId,
      paths: committedPaths,
      refusedAt: record.ts,
    });
    line = committedLine(c.slug, committedPaths, record.ts);
  }
  if (left.length !== record.entries.length) await writeRefusedIndex(file, { ...record, entries: left });
  return line;
}
