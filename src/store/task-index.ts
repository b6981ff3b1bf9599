/**
 * The task index: parsed task files kept between processes, so that `baton status` and
 * `baton watch --once` re-read and re-parse only the task files that changed since the last
 * reader, as the running watcher does in memory. Reading and parsing every file was nearly all
 * of their time at thousands of tasks.
 *
 * It is a cache and nothing else: the whole index is used only while the parser is the one that
 * wrote it (an index missing, torn or from another parser is ignored), and an entry only while
 * the file's identity (inode, size, mtime, ctime) is unchanged. A file changed in the last few
 * seconds could keep its identity through a rewrite ("racy", as git calls it: the same clock
 * tick, the same size), so such an entry is trusted only once the file's text is read again and
 * found the same (by digest); so is an entry whose identity changed but not its text.
 */
import { readFileSync, type Stats } from 'node:fs';
import { formatProblem, type Problem, type Result } from '../domain/errors.js';
import type { Task, TaskFileStatus } from '../domain/types.js';
import { writeCacheFileSync } from './atomic-sync.js';
import { codeFingerprint } from './code-fingerprint.js';

/**
 * What a board shows of a valid task: its front-matter settings. Not the prompt: at thousands of
 * tasks, prompts would be most of the index, and nothing that reads a board uses them.
 */
export type TaskSummary = Pick<
  Task,
  'slug' | 'file' | 'status' | 'agent' | 'base' | 'priority' | 'title' | 'after' | 'afterMerge'
>;

/** A task file as a board sees it: its settings, or why it cannot be used, in words. */
export type TaskVerdict =
  | { ok: true; task: TaskSummary }
  /** `transient`: the failure belongs to the moment (the file vanished or could not be read). */
  | { ok: false; error: string; transient: boolean };

/** One task file's verdict and the identity of the file it was reached from. */
export interface TaskFileEntry {
  /** `fileKey` of the file when it was read. */
  key: string;
  result: TaskVerdict;
  /** The later of the file's mtime and ctime then: from when the key alone can be trusted. */
  changedMs: number;
  /** `contentDigest` of the text the verdict was reached from; null when it was not read. */
  digest: string | null;
}

/** Task file verdicts by name (`<slug>.md`). */
export type TaskFileCache = Map<string, TaskFileEntry>;

/**
 * How long after a file last changed its identity alone vouches for its text: longer than any
 * file system's timestamp granularity (FAT's is 2 s; most are a clock tick) and a little skew.
 */
export const SETTLE_MS = 3_000;

/** True when an entry's key alone can be trusted at `nowMs` (see SETTLE_MS). */
export function isSettled(changedMs: number, nowMs: number): boolean {
  return changedMs <= nowMs - SETTLE_MS;
}

/** A digest of a task file's text, to tell a file rewritten with the same text from a changed one. */
export async function contentDigest(text: string): Promise<string> {
  const { createHash } = await import('node:crypto'); // only when a file must be read
  return createHash('sha1').update(text).digest('base64');
}

const FORMAT = 4; // 4: summaries carry after and afterMerge

/** What identifies a file's content without reading it. */
export function fileKey(st: Pick<Stats, 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/** The verdict on a loaded task file. Pure. */
export function verdictOf(loaded: Result<Task, Problem[]>): TaskVerdict {
  if (loaded.ok) {
    const { slug, file, status, agent, base, priority, title, after, afterMerge } = loaded.value;
    return { ok: true, task: { slug, file, status, agent, base, priority, title, after, afterMerge } };
  }
  const transient = loaded.error.some((p) => {
    const reason = (p as { reason?: unknown }).reason;
    return reason === 'vanished' || reason === 'unreadable';
  });
  return { ok: false, error: loaded.error.map(formatProblem).join('; '), transient };
}

/**
 * One index row: name, key, changedMs, digest, then status, priority, title, agent, base, after,
 * afterMerge, or the error.
 */
type Row = [string, string, number, ...unknown[]];

/**
 * The index text for the entries of `cache` that may be kept: settled by `nowMs` or with a
 * digest to check them by, and not a failure of the moment (a vanished or unreadable file may
 * read fine next time).
 */
export function encodeIndex(parser: string, cache: TaskFileCache, nowMs: number): string {
  const rows: Row[] = [];
  for (const [name, e] of cache) {
    if (!isSettled(e.changedMs, nowMs) && e.digest === null) continue;
    const v = e.result;
    const head: Row = [name, e.key, e.changedMs, e.digest];
    if (v.ok) {
      const t = v.task;
      rows.push([
        ...head,
        t.status,
        t.priority,
        t.title ?? null,
        t.agent ?? null,
        t.base ?? null,
        t.after,
        t.afterMerge,
      ]);
    } else if (!v.transient) rows.push([...head, v.error]);
  }
  return JSON.stringify({ format: FORMAT, parser, rows });
}

/** The entries of an index text written by `parser`; empty for anything else. */
export function decodeIndex(text: string, parser: string): TaskFileCache {
  const out: TaskFileCache = new Map();
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return out;
  }
  const d = data as { format?: unknown; parser?: unknown; rows?: unknown } | null;
  if (d?.format !== FORMAT || d.parser !== parser || !Array.isArray(d.rows)) return out;
  for (const row of d.rows as unknown[]) {
    const entry = Array.isArray(row) ? decodeRow(row) : null;
    if (entry !== null) out.set(entry[0], entry[1]);
  }
  return out;
}

function decodeRow(row: unknown[]): [string, TaskFileEntry] | null {
  const [name, key, changedMs, digest, ...rest] = row;
  if (typeof name !== 'string' || !name.endsWith('.md') || typeof key !== 'string') return null;
  if (typeof changedMs !== 'number' || (digest !== null && typeof digest !== 'string')) return null;
  const entry = { key, changedMs, digest };
  if (rest.length === 1 && typeof rest[0] === 'string') {
    return [name, { ...entry, result: { ok: false, error: rest[0], transient: false } }];
  }
  const [status, priority, title, agent, base, after, afterMerge] = rest;
  if (rest.length !== 7 || typeof status !== 'string') return null;
  if (typeof priority !== 'number' || !Number.isSafeInteger(priority)) return null;
  if (![title, agent, base].every((v) => v === null || typeof v === 'string')) return null;
  if (!Array.isArray(after) || !after.every((v) => typeof v === 'string')) return null;
  if (typeof afterMerge !== 'boolean') return null;
  const slug = name.slice(0, -'.md'.length);
  const task: TaskSummary = {
    slug,
    file: `tasks/${name}`,
    status: status as TaskFileStatus,
    agent: (agent as string | null) ?? undefined,
    base: (base as string | null) ?? undefined,
    priority,
    title: (title as string | null) ?? undefined,
    after: after as string[],
    afterMerge,
  };
  return [name, { ...entry, result: { ok: true, task } }];
}

/** Reads the index at `file`; empty when there is none or it cannot be used. */
export function loadTaskIndex(file: string, parser: string): TaskFileCache {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return new Map();
  }
  return decodeIndex(text, parser);
}

/**
 * Replaces the index at `file` (write-file-atomic, so a reader sees a whole one; no fsync: a
 * torn index after a crash is merely ignored). Failures are swallowed: the index only saves time.
 */
export function saveTaskIndex(file: string, parser: string, cache: TaskFileCache, nowMs: number): void {
  try {
    writeCacheFileSync(file, encodeIndex(parser, cache, nowMs));
  } catch {
    // write-file-atomic removes its temp file when the write fails
  }
}

/**
 * Identifies the code that turns a task file into a verdict: a changed parser makes every index
 * written by the old one unusable.
 */
export function parserFingerprint(): string {
  return codeFingerprint(
    import.meta.url,
    [
      './taskfiles',
      '../domain/task',
      '../domain/frontmatter',
      '../domain/yaml',
      '../domain/files',
      '../domain/slug',
      '../domain/dependencies',
    ],
    ['yaml'],
  );
}
