/**
 * The board: every task file in `tasks/`, what its status json says, and whether its lock has a
 * live holder, classified into the state to show. Read-only; `baton status` and the heartbeat
 * both start from it.
 */
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import { classify } from '../domain/classify.js';

import { classifyTaskEntry } from '../domain/files.js';
import type { TaskState } from '../domain/states.js';
import type { HandStagedNotice } from '../domain/hand-staged.js';
import type { TaskStatus } from '../domain/types.js';
import { gitDirOf } from '../git/repo.js';
import { lastRepair, type HookRepair } from '../hooks/repairs.js';
import { isNotFound, readJsonl } from '../store/history.js';
import {
  failureFile,
  failureFileName,
  isCurrent,
  readFailureSync,
  type DispatchFailureRecord,
} from '../store/dispatch-failure.js';
import { handStagedFile, handStagedFileName, readHandStagedNoticeSync } from '../store/hand-staged.js';
import { listDir, type Listing } from '../store/listing.js';
import { inspectLock } from '../store/lock.js';
import { taskPaths } from '../store/paths.js';
import { readStatusSync, statusFileName } from '../store/status-read.js';
import {
  contentDigest,
  fileKey,
  isSettled,
  loadTaskIndex,
  parserFingerprint,
  saveTaskIndex,
  verdictOf,
  type TaskFileCache,
  type TaskSummary,
  type TaskVerdict,
} from '../store/task-index.js';
import { loadTaskFile, parseTaskText, readTaskText } from '../store/taskfiles.js';
import { misplacedProblems, startWorktreeListing } from './misplaced.js';
import { applyDependencies } from './dependencies.js';
import type { UnmetDependency } from '../domain/dependencies.js';
import type { Repo } from './repo.js';
import type { AgentLimit } from '../domain/limits.js';
import { readAgentLimits } from '../store/limits.js';
import { taskRadars, type TaskRadar } from '../domain/radar.js';
import { RADAR_FILE, readRadarSync } from '../store/radar.js';
import { prFileName, readPrSync, type PrRecord } from '../store/pr.js';

/** One task as shown on the board. */
export interface BoardTask {
  slug: string | null;
  /** Path relative to the repository root. */
  file: string;
  state: TaskState;
  /** The task's settings; null when the file is invalid. */
  task: TaskSummary | null;
  status: TaskStatus | null;
  /** Why the task file is invalid; otherwise the status error. */
  error: string | null;
  lock: { runId: string; live: boolean; pid: number; epoch: number } | null;
  /** Follow-ups waiting in the inbox now (counted on disk: the status file may be behind). */
  pendingFollowups: number;
  /** The task file's mtime as the board read it (0 when unknown): the heartbeat orders by it. */
  fileMtimeMs?: number;
  /** Its last dispatch failed for a lasting reason and nothing changed since (store/dispatch-failure.ts). */
  failure?: DispatchFailureRecord | null;
  /** The last time an agent's commit carried changes staged by hand and refused (domain/hand-staged.ts). */
  handStaged?: HandStagedNotice | null;
  /** State `blocked`: the tasks in its `after:` that are not done (or not merged) yet. */
  blockedOn?: UnmetDependency[];
  /** The conflict radar's last look at its branch (tasks/logs/radar.json); absent when it has none. */
  radar?: TaskRadar | null;
  /** Its pull request as last seen (store/pr.ts), when it has one. */
  pr?: PrRecord | null;
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
  /** The live watcher of this repository, if any. */
  watcher?: { pid: number; since: string } | null;
  /** Follow-up drops lying in tasks/ that no one has ingested yet. */
  drops?: number;
  /** The limits a waiting task is judged against. */
  limits?: { maxConcurrent: number; heartbeatSeconds: number };
  /** Agents at their usage limit (store/limits.ts), and the agent of a task that names none. */
  agentLimits?: AgentLimit[];
  defaultAgent?: string;
  rejected: RejectedEntry[];
  /** Task branches or worktrees out of place (what hooks can be made to miss), one sentence each. */
  problems: string[];
  /** The hooks self-heal's last repair (tasks/logs/hooks.jsonl), if it ever made one. */
  hookRepair?: HookRepair | null;
  /** Why the conflict radar is off (git older than 2.38); null when it runs or never ran. */
  radarOff?: string | null;
}

/**
 * Parsed task files by name, each with the file's identity when parsed (inode, size, mtime,
 * ctime). A long-lived reader (the watcher) passes one in, so a heartbeat re-parses only files
 * that changed: parsing is most of a cycle's time at thousands of tasks. An empty one is filled
 * from the task index first, and the index is brought up to date after each read that changed it.
 */
export type { TaskFileCache, TaskSummary } from '../store/task-index.js';

/** What a board read lists once, so that absent files and folders are never probed per task. */
interface BoardListings {
  tasks: string[];
  logs: Listing;
  inboxes: Listing;
  worktrees: Listing;
}

/** Reads the board from disk. */
export async function readBoard(repo: Repo, cache?: TaskFileCache): Promise<Board> {
  const worktrees = startWorktreeListing(repo); // git runs while the files below are read
  const listed = listBoard(repo);
  const index = taskIndexFile(repo);
  const parser = parserFingerprint();
  const files = cache ?? new Map();
  if (files.size === 0) for (const [k, v] of loadTaskIndex(index, parser)) files.set(k, v);
  const changed = { any: false };
  const tasks: BoardTask[] = [];
  for (const name of listed.tasks) {
    const entry = classifyTaskEntry(name);
    if (entry.kind === 'task')
      tasks.push(await readListedTask(repo, listed, name, entry.slug, files, changed));
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
  const present = new Set(listed.tasks);
  for (const name of files.keys()) {
    if (present.has(name)) continue;
    files.delete(name);
    changed.any = true;
  }
  if (changed.any) saveTaskIndex(index, parser, files, Date.now());
  await applyDependencies(repo, tasks); // blocked and invalid need the whole board
  const rejected = (await readJsonl<RejectedEntry>(repo.paths.rejectedFile)).records;
  const slugs = new Set(tasks.flatMap((t) => (t.slug === null ? [] : [t.slug])));
  const problems = slugs.size === 0 ? [] : await misplacedProblems(repo, slugs, worktrees);
  const drops = listed.tasks.filter((n) => classifyTaskEntry(n).kind === 'followup').length;
  const watcher = await readWatcher(repo);
  const hookRepair = listed.logs.has(HOOKS_LOG) ? await readHookRepair(repo) : null;
  const { maxConcurrent, heartbeatSeconds, defaultAgent } = repo.config;
  const agentLimits = [...(await readAgentLimits(repo.paths)).values()];
  const radar = listed.logs.has(RADAR_FILE) ? readRadarSync(repo.paths) : null;
  if (radar !== null) {
    const prefix = repo.config.branchPrefix;
    const views = taskRadars(
      radar,
      (slug) => tasks.find((t) => t.slug === slug)?.status?.branch ?? `${prefix}${slug}`,
    );
    for (const t of tasks)
      if (t.slug !== null && Object.hasOwn(views, t.slug)) t.radar = views[t.slug] ?? null;
  }
  return {
    radarOff: radar?.off ?? null,
    tasks,
    rejected,
    problems,
    watcher,
    drops,
    limits: { maxConcurrent, heartbeatSeconds },
    agentLimits,
    defaultAgent,
    hookRepair,
  };
}

/** Reads one task's file, status and lock. */
export async function readTask(
  repo: Repo,
  name: string,
  slug: string,
  cache?: TaskFileCache,
): Promise<BoardTask> {
  const loaded = cache
    ? (await loadCached(repo, name, cache, { any: false })).result
    : verdictOf(await loadTaskFile(repo.info.root, name));
  const status = readStatusSync(taskPaths(repo.paths, slug).statusFile);
  const lock = await readTaskLock(repo, slug);
  const pendingFollowups = await countFollowups(repo, slug);
  const task = boardTask(name, slug, loaded, status, lock, pendingFollowups);
  task.failure = currentFailure(repo, slug);
  task.handStaged = readHandStagedNoticeSync(handStagedFile(repo.paths, slug));
  task.pr = readPrSync(repo.paths, slug);
  return task;
}

/** The lists a board read starts from, each taken once. */
function listBoard(repo: Repo): BoardListings {
  let tasks: string[];
  try {
    tasks = readdirSync(repo.paths.tasksDir).sort();
  } catch (err) {
    if (!isNotFound(err)) throw err;
    tasks = [];
  }
  return {
    tasks,
    logs: listDir(repo.paths.logsDir),
    inboxes: listDir(repo.paths.inboxRoot),
    worktrees: listDir(repo.config.worktreesDir),
  };
}

/** `readTask`, probing only for files and folders the listings do not rule out. */
async function readListedTask(
  repo: Repo,
  listed: BoardListings,
  name: string,
  slug: string,
  cache: TaskFileCache,
  changed: { any: boolean },
): Promise<BoardTask> {
  const loaded = await loadCached(repo, name, cache, changed);
  const statusName = statusFileName(slug); // a path is built only for the few that exist
  const status = listed.logs.has(statusName)
    ? readStatusSync(path.join(repo.paths.logsDir, statusName))
    : null;
  const lock = listed.worktrees.has(slug) ? await readTaskLock(repo, slug) : null;
  const pendingFollowups = listed.inboxes.has(slug) ? await countFollowups(repo, slug) : 0;
  const task = boardTask(name, slug, loaded.result, status, lock, pendingFollowups);
  task.fileMtimeMs = loaded.mtimeMs;
  task.failure = listed.logs.has(failureFileName(slug)) ? currentFailure(repo, slug) : null;
  task.handStaged = listed.logs.has(handStagedFileName(slug))
    ? readHandStagedNoticeSync(handStagedFile(repo.paths, slug))
    : null;
  task.pr = listed.logs.has(prFileName(slug)) ? readPrSync(repo.paths, slug) : null;
  return task;
}

function boardTask(
  name: string,
  slug: string,
  loaded: TaskVerdict,
  status: TaskStatus | null,
  lock: BoardTask['lock'],
  pendingFollowups: number,
): BoardTask {
  const task = loaded.ok ? loaded.task : null;
  const state = classify({
    fileStatus: task?.status ?? null,
    status,
    lock: lock ? { runId: lock.runId, live: lock.live } : null,
  });
  const error = loaded.ok ? (status?.error ?? null) : loaded.error;
  return { slug, file: `tasks/${name}`, state, task, status, error, lock, pendingFollowups };
}

/** The task's recorded dispatch failure while it is current: a changed file or config ends it. */
function currentFailure(repo: Repo, slug: string): DispatchFailureRecord | null {
  const record = readFailureSync(failureFile(repo.paths, slug));
  return record !== null && isCurrent(record, repo.paths, slug) ? record : null;
}

/** The watcher that holds the repository's watch lock, when it is alive. */
async function readWatcher(repo: Repo): Promise<{ pid: number; since: string } | null> {
  const lock = await inspectLock(path.join(repo.info.commonDir, 'baton-watch.lock')).catch(() => null);
  return lock?.live && lock.record ? { pid: lock.record.holder.pid, since: lock.record.acquiredAt } : null;
}

/** The hooks self-heal's log, in tasks/logs/ (hooks/heal.ts writes it). */
const HOOKS_LOG = 'hooks.jsonl';

/** The last repair hooks.jsonl records; a log that cannot be read shows none. */
async function readHookRepair(repo: Repo): Promise<HookRepair | null> {
  const read = await readJsonl<Record<string, unknown>>(path.join(repo.paths.logsDir, HOOKS_LOG)).catch(
    () => null,
  );
  return read ? lastRepair(read.records) : null;
}

/** Follow-ups waiting in the task's inbox; the inbox module (and its parser) loads only when one exists. */
async function countFollowups(repo: Repo, slug: string): Promise<number> {
  const { listFollowups } = await import('../store/inbox.js');
  return (await listFollowups(taskPaths(repo.paths, slug).inboxDir)).length;
}

/**
 * The task file's verdict, from `cache` while the file is unchanged (see task-index.ts for when
 * that is known without reading it); notes in `changed` when the cache changed.
 */
async function loadCached(
  repo: Repo,
  name: string,
  cache: TaskFileCache,
  changed: { any: boolean },
): Promise<{ result: TaskVerdict; mtimeMs: number }> {
  const st = lstatOrNull(path.join(repo.paths.tasksDir, name));
  const key = st ? fileKey(st) : null;
  const mtimeMs = st?.mtimeMs ?? 0;
  const hit = cache.get(name);
  if (key !== null && hit?.key === key && isSettled(hit.changedMs, Date.now()))
    return { result: hit.result, mtimeMs };
  const text = await readTaskText(repo.info.root, name);
  const digest = text.ok ? await contentDigest(text.value) : null;
  const same = hit !== undefined && digest !== null && hit.digest === digest;
  const result = same ? hit.result : verdictOf(text.ok ? await parseTaskText(name, text.value) : text);
  // An empty file may still be being written: judge it again next time rather than remember it.
  if (key !== null && st !== null && st.size > 0) {
    const changedMs = Math.max(st.mtimeMs, st.ctimeMs);
    if (!same || hit.key !== key || hit.changedMs !== changedMs) changed.any = true;
    cache.set(name, { key, result, changedMs, digest });
  } else if (cache.delete(name)) changed.any = true;
  return { result, mtimeMs };
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

function taskIndexFile(repo: Repo): string {
  return path.join(repo.info.commonDir, 'baton-task-index.json');
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
  // Loaded here, not up front: a board without worktrees (most of a `baton status`) never needs it.
  const { inspectLock } = await import('../store/lock.js');
  const inspected = await inspectLock(path.join(gitDir, 'baton.lock'));
  if (!inspected.record) return null;
  const r = inspected.record;
  return { runId: r.runId, live: inspected.live, pid: r.holder.pid, epoch: r.epoch };
}
