/**
 * One heartbeat cycle: re-read everything from disk, decide (domain/cycle.ts), act, and write
 * `tasks/logs/heartbeat.json`. Events can be missed or doubled; this is what makes that safe.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { isStart, planCycle, type CycleTask, type Decision, type StartDecision } from '../domain/cycle.js';
import { classifyTaskEntry } from '../domain/files.js';
import type { StandbyPool } from '../launch/standby.js';
import { readBoard, type Board, type TaskFileCache } from '../ops/board.js';
import { liveHolder, wake } from '../ops/followup.js';
import { ingestDrop, recoverClaims } from '../ops/ingest.js';
import type { Repo } from '../ops/repo.js';
import { carryOut } from './carry-out.js';
import { healHooks } from '../hooks/heal.js';
import { crashPoint } from '../proc/crash.js';
import { agentFields, limitedAgentsNow } from './limits.js';
import type { TaskConflict } from '../domain/radar.js';
import { runRadar, type RadarMemory, type RadarReport } from './radar.js';

/** What one cycle did, as written to heartbeat.json. */
export interface CycleReport {
  ts: string;
  durationMs: number;
  running: number;
  tasks: {
    slug: string | null;
    file: string;
    state: string;
    pid: number | null;
    pendingFollowups: number;
    retryAt: string | null;
    /** The conflict radar's view of a live task branch (src/watch/radar.ts); absent for others. */
    behind?: number;
    conflicts?: TaskConflict[];
  }[];
  decisions: (Decision & { result: string })[];
  ingested: { file: string; result: string }[];
  problems: string[];
  /** What the hooks self-heal said this cycle (hooks/heal.ts): [] when they were in place. */
  hooks: string[];
  /** What the conflict radar did this cycle: why it is off, what it merged, conflicts told first now. */
  radar?: Omit<RadarReport, 'tasks'>;
  /** Agents at their usage limit as this cycle left them: when baton tries again, and their probe run. */
  limitedAgents?: {
    agent: string;
    retryAt: string;
    reset: string | null;
    slug: string;
    probe: string | null;
  }[];
}

/**
 * Ingests every follow-up drop lying in tasks/, in arrival order: on a file event (so a burst is
 * accepted in the order it arrived, not the order its events did), and each heartbeat (a missed
 * event, or drops made while nothing watched).
 */
export async function ingestStrayDrops(
  repo: Repo,
): Promise<{ file: string; result: string; slug: string | null }[]> {
  const out: { file: string; result: string; slug: string | null }[] = [];
  let names: string[];
  try {
    names = await fs.readdir(repo.paths.tasksDir);
  } catch {
    return out;
  }
  // Arrival order is the order drops appeared under their final name: their ctime (a rename sets
  // it), then their name. File events can come out of order in a burst; this cannot.
  const drops: { name: string; ctimeMs: number }[] = [];
  for (const name of names) {
    const kind = classifyTaskEntry(name).kind;
    if (kind !== 'followup' && kind !== 'bad-followup') continue;
    const st = await fs.lstat(path.join(repo.paths.tasksDir, name)).catch(() => null);
    if (st) drops.push({ name, ctimeMs: st.ctimeMs });
  }
  drops.sort((a, b) => a.ctimeMs - b.ctimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { name } of drops) {
    // One drop that cannot be handled now (cluster mode: the remote unreachable) holds up no other.
    const r = await ingestDrop(repo, name).catch((err: unknown) => ({
      kind: 'failed' as const,
      message: err instanceof Error ? err.message : String(err),
    }));
    if (r.kind === 'failed')
      out.push({ file: `tasks/${name}`, result: `not taken in yet: ${r.message}`, slug: null });
    else if (r.kind === 'forwarded')
      out.push({ file: `tasks/${name}`, result: `sent to host ${r.to} as ${r.id}`, slug: r.slug });
    else if (r.kind === 'accepted')
      out.push({ file: `tasks/${name}`, result: `accepted as ${r.id}`, slug: r.slug });
    else if (r.kind === 'rejected') out.push({ file: r.file, result: `rejected: ${r.reason}`, slug: r.slug });
  }
  return out;
}

/** What a cycle runs with besides the repository; every field has a default. */
export interface CycleOptions {
  now?: () => Date;
  /**
   * Parsed task files across cycles (the watcher's); without one, the cycle's two board reads
   * share a fresh one.
   */
  cache?: TaskFileCache;
  /** The watcher's standby pool, handed to every dispatch the cycle makes (launch/standby.ts). */
  standby?: StandbyPool;
  /** Fill every free slot with ready tasks (the watcher's first cycle; domain/cycle.ts). */
  fillSlots?: boolean;
  /** Tasks the caller is starting a worker for right now: planned as running, nothing else decided. */
  starting?: ReadonlySet<string>;
  /**
   * Starts a worker beside the caller (the watcher, whose other reactions must not wait seconds
   * for a worktree): each retry, dispatch and start_inbox decision is handed to it, and the
   * report gives what it answers as that decision's result. Without it, the cycle carries them
   * out itself, one after the other.
   */
  startBeside?: (d: StartDecision) => string;
  /** What the conflict radar keeps between cycles (the watcher's): that git is too old for it. */
  radar?: RadarMemory;
}

/** Runs one cycle and writes heartbeat.json. */
export async function runCycle(repo: Repo, opts: CycleOptions = {}): Promise<CycleReport> {
  const now = opts.now ?? (() => new Date());
  const cache = opts.cache ?? new Map();
  const started = now();
  const hooks = await healHooks(
    repo.info,
    { autoRepair: repo.config.hooks.autoRepair, logsDir: repo.paths.logsDir, by: 'heartbeat' },
    started,
  );
  const ingested = await ingestStrayDrops(repo);
  // A live worker looks at its inbox now (steer and interrupt act at once); others are started below.
  for (const slug of new Set(
    ingested.flatMap((i) => (i.result.startsWith('accepted') && i.slug ? [i.slug] : [])),
  )) {
    const holder = await liveHolder(repo, slug);
    if (holder) wake(holder.pid);
  }
  await recoverAllClaims(repo);
  const board = await readBoard(repo, cache);
  const tasks = cycleTasks(board, repo.config.defaultAgent, opts.starting);
  // The board read them: the cycle judges the limits it read with the tasks.
  const agentLimits = new Map((board.agentLimits ?? []).map((l) => [l.agent, l]));
  const decisions = planCycle(tasks, repo.config, now(), { fillSlots: opts.fillSlots === true, agentLimits });
  crashPoint('cycle.after-plan');
  const done: CycleReport['decisions'] = [];
  for (const d of decisions) {
    const result =
      isStart(d) && opts.startBeside ? opts.startBeside(d) : await carryOut(repo, d, opts.standby);
    done.push({ ...d, result });
  }
  const after = decisions.length > 0 ? await readBoard(repo, cache) : board;
  const { tasks: radarTasks, ...radar } = await runRadar(repo, after, opts.radar);
  const report: CycleReport = {
    ts: started.toISOString(),
    durationMs: now().getTime() - started.getTime(),
    running: after.tasks.filter((t) => t.lock?.live).length,
    tasks: after.tasks.map((t) => ({
      slug: t.slug,
      file: t.file,
      state: t.state,
      pid: t.lock?.live ? t.lock.pid : null,
      pendingFollowups: t.pendingFollowups,
      retryAt: t.status?.retryAt ?? null,
      ...radarFields(radarTasks, t.slug),
    })),
    decisions: done,
    ingested: ingested.map(({ file, result }) => ({ file, result })),
    problems: [...after.problems, ...hooks.said],
    hooks: hooks.said,
    radar,
    limitedAgents: limitedAgentsNow(after.agentLimits ?? []),
  };
  await fs.mkdir(path.dirname(repo.paths.heartbeatFile), { recursive: true });
  await writeFileAtomic(repo.paths.heartbeatFile, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** A task's `behind` and `conflicts` for heartbeat.json, when the radar watches its branch. */
function radarFields(
  radar: RadarReport['tasks'],
  slug: string | null,
): { behind?: number; conflicts?: TaskConflict[] } {
  const r = slug === null ? undefined : radar[slug];
  return r ? { behind: r.behind, conflicts: r.conflicts } : {};
}

/**
 * The cycle's view of each valid task; a task that names no agent runs with `defaultAgent`; those
 * in `starting` are being started by the caller.
 */
export function cycleTasks(
  board: Board,
  defaultAgent?: string,
  starting: ReadonlySet<string> = new Set(),
): CycleTask[] {
  const out: CycleTask[] = [];
  for (const t of board.tasks) {
    if (t.slug === null || t.task === null) continue;
    out.push({
      slug: t.slug,
      state: t.state,
      recordedState: t.status?.state ?? null,
      fileStatus: t.task.status,
      priority: t.task.priority,
      fileMtimeMs: t.fileMtimeMs ?? 0,
      ranBefore: (t.status?.runId ?? null) !== null,
      live: t.lock?.live === true,
      starting: starting.has(t.slug),
      pendingFollowups: t.pendingFollowups,
      retryAt: t.status?.retryAt ?? null,
      autoRetries: t.status?.autoRetries ?? 0,
      lastProgressAt: t.status?.lastProgressAt ?? t.status?.startedAt ?? null,
      dispatchBlocked: (t.failure ?? null) !== null,
      ...agentFields(t, defaultAgent),
    });
  }
  return out;
}

async function recoverAllClaims(repo: Repo): Promise<void> {
  let slugs: string[];
  try {
    slugs = await fs.readdir(repo.paths.inboxRoot);
  } catch {
    return;
  }
  for (const slug of slugs) await recoverClaims(repo, slug);
}
