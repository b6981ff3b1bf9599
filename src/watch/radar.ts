/**
 * The conflict radar, carried out once per heartbeat (docs/design.md, "The conflict radar";
 * the decisions are domain/radar.ts). It reads the live task branches' tips from git's ref files
 * (no process), and only for a branch whose tip or base tip moved since radar.json's look does it
 * run git: one `git log` per moved branch (how far behind and ahead, which files it changed), then
 * one `git merge-tree --stdin` for every merge needed (each moved branch into its base, each pair
 * of branches whose changed files overlap and whose tips were not merged before). A heartbeat
 * where no branch moved starts no git process at all.
 *
 * A conflict is told once per pair of tips: history's `conflict_found` carries its key, so neither
 * the next heartbeat nor a restarted watcher tells it again; only a tip that moves makes it new.
 */
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import {
  baseCandidates,
  branchesToMeasure,
  foundConflicts,
  pairsToMerge,
  pruneCache,
  taskRadars,
  isRadarLive,
  type BranchLook,
  type FoundConflict,
  type RadarBranch,
  type TaskRadar,
} from '../domain/radar.js';
import {
  conflictFollowupText,
  describeConflict,
  oldGitMessage,
  supportsRadar,
} from '../domain/radar-words.js';
import { branchCounts, gitVersionText, mainBranchFromFile, mergeMany, readBranchTips } from '../git/radar.js';
import { notify } from '../notify/notify.js';
import { crashPoint } from '../proc/crash.js';
import type { Board } from '../ops/board.js';
import { loadTask, type Repo } from '../ops/repo.js';
import { appendHistory, readJsonl } from '../store/history.js';
import { writeDrop } from '../store/drop.js';
import { taskPaths } from '../store/paths.js';
import { readRadar, writeRadar } from '../store/radar.js';

/**
 * What a long-lived caller (the watcher) keeps between heartbeats: git's version, asked once when
 * there is first something to measure, and that it is too old.
 */
export interface RadarMemory {
  off: string | null;
  gitVersion?: string | null;
}

/** What one heartbeat's radar did, for heartbeat.json (`radar`) and the cycle's tasks. */
export interface RadarReport {
  /** Why the radar is off (git older than 2.38), one sentence; null when it runs. */
  off: string | null;
  /** Branches and pairs merged this heartbeat (0 and 0 when no branch moved). */
  measured: { branches: number; pairs: number };
  /** Conflicts told for the first time this heartbeat. */
  newConflicts: number;
  /** By slug: behind/ahead of its base and its conflicts, for every live task branch. */
  tasks: Record<string, TaskRadar>;
}

/** Git commands the radar runs at once: two cores are shared with agents and their tests. */
const PARALLEL = 2;

/** Runs the radar over the board's live task branches. Never throws: a failure is its `off`. */
export async function runRadar(
  repo: Repo,
  board: Board,
  memory: RadarMemory = { off: null },
): Promise<RadarReport> {
  try {
    return await radar(repo, board, memory);
  } catch (err) {
    const off = `The conflict radar failed this heartbeat: ${err instanceof Error ? err.message : String(err)}`;
    return { off, measured: { branches: 0, pairs: 0 }, newConflicts: 0, tasks: {} };
  }
}

async function radar(repo: Repo, board: Board, memory: RadarMemory): Promise<RadarReport> {
  const branches = await liveBranches(repo, board);
  const cache = await readRadar(repo.paths);
  const branchOf = branchNamer(branches, repo.config.branchPrefix);
  const root = repo.info.root;
  if (
    memory.off === null &&
    memory.gitVersion === undefined &&
    branchesToMeasure(branches, cache).length > 0
  ) {
    memory.gitVersion = await gitVersionText(root);
    if (!supportsRadar(memory.gitVersion)) memory.off = oldGitMessage(memory.gitVersion);
  }
  const toMeasure = memory.off === null ? branchesToMeasure(branches, cache) : [];
  const measured: Record<string, BranchLook> = {};
  await eachLimited(toMeasure, async (b) => {
    measured[b.slug] = await measure(root, b);
  });
  const looks = { ...cache.branches, ...measured };
  // A branch with no commit of its own cannot conflict; one its base never moved past merges cleanly.
  const intoBase = Object.values(measured).filter((l) => l.ahead > 0 && l.behind > 0);
  const pairs = memory.off === null ? pairsToMerge(branches, looks, cache.pairs) : [];
  const tipOf = (slug: string): string => looks[slug]?.tip ?? slug;
  let off = memory.off;
  const merged: { a: string; b: string; key: string; files: string[] }[] = [];
  const answers = await mergeMany(root, [
    ...intoBase.map((l): [string, string] => [l.baseTip, l.tip]),
    ...pairs.map((p): [string, string] => [tipOf(p.a), tipOf(p.b)]),
  ]);
  if ('tooOld' in answers) {
    off = oldGitMessage(await gitVersionText(root));
    for (const slug of Object.keys(measured)) delete looks[slug]; // measured, but not merged
  } else {
    intoBase.forEach((l, i) => (l.conflicts = answers.files[i] ?? []));
    pairs.forEach((p, i) => merged.push({ ...p, files: answers.files[intoBase.length + i] ?? [] }));
  }
  memory.off = off;
  const next = pruneCache(
    {
      version: 1,
      branches: looks,
      pairs: { ...cache.pairs, ...Object.fromEntries(merged.map((m) => [m.key, m.files])) },
      off,
    },
    branches,
    off,
  );
  // Told before the cache says it was measured: a crash in between measures again next time,
  // and history's keys keep what was told from being told twice.
  let newConflicts = 0;
  const found = off === null ? foundConflicts(measured, merged, branchOf) : [];
  for (const f of found) if (await tell(repo, f, branches)) newConflicts++;
  crashPoint('radar.before-cache');
  if (JSON.stringify(next) !== JSON.stringify(cache)) {
    await fs.mkdir(repo.paths.logsDir, { recursive: true });
    await writeRadar(repo.paths, next);
  }
  return {
    off,
    measured:
      off === null
        ? { branches: Object.keys(measured).length, pairs: merged.length }
        : { branches: 0, pairs: 0 },
    newConflicts,
    tasks: taskRadars(next, branchOf),
  };
}

/** The live task branches with their bases and tips, read from git's files (no process). */
async function liveBranches(repo: Repo, board: Board): Promise<RadarBranch[]> {
  const live = board.tasks.flatMap((t) =>
    t.slug !== null && t.task !== null && t.status !== null && isRadarLive({ ...t.status, state: t.state })
      ? [{ slug: t.slug, branch: t.status.branch as string }]
      : [],
  );
  if (live.length === 0) return [];
  const tasks = new Map(
    board.tasks.flatMap((t) => (t.slug !== null && t.task !== null ? [[t.slug, t.task]] : [])),
  );
  const prefix = repo.config.branchPrefix;
  const main = await mainBranchFromFile(repo.info.commonDir);
  const withBases = live.map((t) => ({
    ...t,
    bases: baseCandidates(t.slug, tasks, (slug) => `${prefix}${slug}`, main),
  }));
  const tips = await readBranchTips(repo.info.commonDir, [
    ...live.map((t) => t.branch),
    ...withBases.flatMap((t) => t.bases),
  ]);
  return withBases.flatMap(({ slug, branch, bases }) => {
    const base = bases.find((b) => (tips.get(b) ?? null) !== null) ?? bases[bases.length - 1];
    if (base === undefined) return [];
    return [{ slug, branch, base, tip: tips.get(branch) ?? null, baseTip: tips.get(base) ?? null }];
  });
}

function branchNamer(branches: readonly RadarBranch[], prefix: string): (slug: string) => string {
  const bySlug = new Map(branches.map((b) => [b.slug, b.branch]));
  return (slug) => bySlug.get(slug) ?? `${prefix}${slug}`;
}

/** Behind/ahead and the files changed, at the tips read (not the names: they may move meanwhile). */
async function measure(root: string, b: RadarBranch): Promise<BranchLook> {
  const tip = b.tip as string;
  const baseTip = b.baseTip as string;
  const counts = await branchCounts(root, baseTip, tip);
  return { tip, base: b.base, baseTip, ...counts, conflicts: [] };
}

/**
 * Records, follows up and notifies a conflict unless history already has its key; true when it
 * was new. History first: a crash after it loses the telling, never repeats it.
 */
async function tell(repo: Repo, f: FoundConflict, branches: readonly RadarBranch[]): Promise<boolean> {
  const tp = taskPaths(repo.paths, f.slug);
  const { records } = await readJsonl<{ type?: unknown; key?: unknown }>(tp.historyFile);
  if (records.some((r) => r.type === 'conflict_found' && r.key === f.key)) return false;
  const task = await loadTask(repo, f.slug).catch(() => null);
  const own = branches.find((b) => b.slug === f.slug);
  const followup = (task?.onConflict ?? repo.config.onConflict) === 'followup' && own !== undefined;
  const recorded = await appendHistory(tp.historyFile, 'conflict_found', null, {
    ...f.conflict,
    key: f.key,
    followup,
  });
  if (followup && own) await dropFollowup(repo, f.slug, conflictFollowupText(f.conflict, own));
  if (!f.notify) return true;
  notify(repo, {
    event: 'conflict',
    slug: f.slug,
    ts: recorded.ts,
    by: 'heartbeat',
    detail: `${f.slug} ${describeConflict(f.conflict)}`,
    with: f.conflict.with,
    kind: f.conflict.kind,
    files: f.conflict.files,
  });
  return true;
}

/** Queues a follow-up as a person would: a drop in tasks/, renamed into place whole, ingested as any drop is. */
async function dropFollowup(repo: Repo, slug: string, text: string): Promise<void> {
  const name = `${slug}.conflict-${randomBytes(4).toString('hex')}.followup.md`;
  await writeDrop(repo.paths.tasksDir, name, text);
}

/** Runs `op` over `items`, at most PARALLEL at a time. */
async function eachLimited<T>(items: readonly T[], op: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await op(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, lane));
}
