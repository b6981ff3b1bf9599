/**
 * The board: every task file in `tasks/`, what its status json says, and whether its lock has a
 * live holder, classified into the state to show. Read-only; `baton status` and the heartbeat
 * both start from it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { classify } from '../domain/classify.js';
import { formatProblem, type Problem, type Result } from '../domain/errors.js';
import { classifyTaskEntry } from '../domain/files.js';
import type { TaskState } from '../domain/states.js';
import type { Task, TaskStatus } from '../domain/types.js';
import { gitDirOf } from '../git/repo.js';
import { isNotFound, readJsonl } from '../store/history.js';
import { listFollowups } from '../store/inbox.js';
import { inspectLock } from '../store/lock.js';
import { taskPaths } from '../store/paths.js';
import { readStatus } from '../store/status.js';
import { loadTaskFile } from '../store/taskfiles.js';
import { misplacedProblems } from './misplaced.js';
import type { Repo } from './repo.js';

/** One task as shown on the board. */
export interface BoardTask {
  slug: string | null;
  /** Path relative to the repository root. */
  file: string;
  state: TaskState;
  task: Task | null;
  status: TaskStatus | null;
  /** Why the task file is invalid; otherwise the status error. */
  error: string | null;
  lock: { runId: string; live: boolean; pid: number; epoch: number } | null;
  /** Follow-ups waiting in the inbox now (counted on disk: the status file may be behind). */
  pendingFollowups: number;
}

/** A rejected follow-up drop, as recorded in `rejected.jsonl`. */
export interface RejectedEntry {
  ts: string;
  file: string;
  reason: string;
  [k: string]: unknown;
}

/** The whole board. */
export interface Board {
  tasks: BoardTask[];
  rejected: RejectedEntry[];
  /** Task branches or worktrees out of place (what hooks can be made to miss), one sentence each. */
  problems: string[];
}

/**
 * Parsed task files by name, each with the file's identity when parsed (inode, size, mtime,
 * ctime). A long-lived reader (the watcher) passes one in, so a heartbeat re-parses only files
 * that changed: parsing is most of a cycle's time at thousands of tasks.
 */
export type TaskFileCache = Map<string, { key: string; result: Result<Task, Problem[]> }>;

/** Reads the board from disk. */
export async function readBoard(repo: Repo, cache?: TaskFileCache): Promise<Board> {
  let names: string[];
  try {
    names = (await fs.readdir(repo.paths.tasksDir)).sort();
  } catch (err) {
    if (isNotFound(err)) names = [];
    else throw err;
  }
  const tasks: BoardTask[] = [];
  for (const name of names) {
    const entry = classifyTaskEntry(name);
    if (entry.kind === 'task') tasks.push(await readTask(repo, name, entry.slug, cache));
    else if (entry.kind === 'bad-task') {
      tasks.push({
        slug: null,
        file: `tasks/${name}`,
        state: 'invalid',
        task: null,
        status: null,
        error: entry.reason,
        lock: null,
        pendingFollowups: 0,
      });
    }
  }
  if (cache) {
    const present = new Set(names);
    for (const name of cache.keys()) if (!present.has(name)) cache.delete(name);
  }
  const rejected = (await readJsonl<RejectedEntry>(repo.paths.rejectedFile)).records;
  const slugs = new Set(tasks.flatMap((t) => (t.slug === null ? [] : [t.slug])));
  const problems = slugs.size === 0 ? [] : await misplacedProblems(repo, slugs);
  return { tasks, rejected, problems };
}

/** Reads one task's file, status and lock. */
export async function readTask(
  repo: Repo,
  name: string,
  slug: string,
  cache?: TaskFileCache,
): Promise<BoardTask> {
  const loaded = await loadCached(repo, name, cache);
  const status = await readStatus(taskPaths(repo.paths, slug).statusFile);
  const lock = await readTaskLock(repo, slug);
  const task = loaded.ok ? loaded.value : null;
  const state = classify({
    fileStatus: task?.status ?? null,
    status,
    lock: lock ? { runId: lock.runId, live: lock.live } : null,
  });
  const error = loaded.ok ? (status?.error ?? null) : loaded.error.map(formatProblem).join('; ');
  const pendingFollowups = (await listFollowups(taskPaths(repo.paths, slug).inboxDir)).length;
  return { slug, file: `tasks/${name}`, state, task, status, error, lock, pendingFollowups };
}

async function loadCached(repo: Repo, name: string, cache?: TaskFileCache): Promise<Result<Task, Problem[]>> {
  if (!cache) return loadTaskFile(repo.info.root, name);
  const st = await fs.lstat(path.join(repo.paths.tasksDir, name)).catch(() => null);
  const key = st ? `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : null;
  const hit = cache.get(name);
  if (key !== null && hit?.key === key) return hit.result;
  const result = await loadTaskFile(repo.info.root, name);
  // An empty file may still be being written: judge it again next time rather than remember it.
  if (key !== null && st !== null && st.size > 0) cache.set(name, { key, result });
  else cache.delete(name);
  return result;
}

/** The task's lock as inspected now, or null when it has no worktree or lock yet. */
export async function readTaskLock(repo: Repo, slug: string): Promise<BoardTask['lock']> {
  const worktree = path.join(repo.config.worktreesDir, slug);
  let gitDir: string;
  try {
    gitDir = await gitDirOf(worktree);
  } catch {
    return null;
  }
  const inspected = await inspectLock(path.join(gitDir, 'baton.lock'));
  if (!inspected.record) return null;
  const r = inspected.record;
  return { runId: r.runId, live: inspected.live, pid: r.holder.pid, epoch: r.epoch };
}
