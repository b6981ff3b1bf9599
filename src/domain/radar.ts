/**
 * The conflict radar's decisions (docs/design.md, "The conflict radar"): which task branches and
 * which pairs of them must be merged again because a tip moved, which conflicts are new, what a
 * conflict follow-up says, and what a task's conflicts are as status shows them. Pure: the git
 * work is src/git/radar.ts, carried out by src/watch/radar.ts.
 *
 * Everything is keyed by commits, never by time: a result stays true for as long as the tips it
 * was computed from are the tips, so a heartbeat where no branch moved has nothing to do.
 */

import { AFTER_BASE } from './dependencies.js';

/** A live task branch as the heartbeat read it (the tips from the ref files, no git run). */
export interface RadarBranch {
  slug: string;
  /** `task/<slug>`. */
  branch: string;
  /** The branch the task starts from and merges into. */
  base: string;
  /** The branch's tip; null when the branch does not exist (yet). */
  tip: string | null;
  /** The base's tip; null when the base does not exist. */
  baseTip: string | null;
}

/** What the radar measured of one task branch against its base, for one pair of tips. */
export interface BranchLook {
  tip: string;
  base: string;
  baseTip: string;
  /** Commits on the base that the branch does not have. */
  behind: number;
  /** Commits on the branch that the base does not have. */
  ahead: number;
  /** Files the branch changed since it left the base (renames as a delete and an add). */
  files: string[];
  /** Files that would conflict if the branch were merged into its base now; [] when none. */
  conflicts: string[];
}

/** The radar's durable cache, `tasks/logs/radar.json`: what was measured, by the tips it was measured at. */
export interface RadarCache {
  version: 1;
  /** By slug. */
  branches: Record<string, BranchLook>;
  /** By `pairKey`: the files two task branches would conflict in; [] when they merge cleanly. */
  pairs: Record<string, string[]>;
  /** Why the radar is off (git too old), one sentence; null when it runs. */
  off: string | null;
}

/** A cache with nothing in it. */
export function emptyRadarCache(): RadarCache {
  return { version: 1, branches: {}, pairs: {}, off: null };
}

/** One conflict of a task, as status and heartbeat.json show it. */
export interface TaskConflict {
  /** The base branch's name (`kind: base`) or the other task's slug (`kind: task`). */
  with: string;
  kind: 'base' | 'task';
  /** The other side's branch. */
  branch: string;
  files: string[];
}

/** What the radar says of one task: how far behind its base, and what it conflicts with. */
export interface TaskRadar {
  base: string;
  behind: number;
  ahead: number;
  conflicts: TaskConflict[];
}

/** True when `look` was measured at the branch's current tips. */
export function isCurrent(look: BranchLook | undefined, b: RadarBranch): look is BranchLook {
  return look !== undefined && look.tip === b.tip && look.baseTip === b.baseTip && look.base === b.base;
}

/** The branches to measure again: those whose tip or base tip moved since the cache's look. */
export function branchesToMeasure(branches: readonly RadarBranch[], cache: RadarCache): RadarBranch[] {
  return branches.filter(
    (b) => b.tip !== null && b.baseTip !== null && !isCurrent(cache.branches[b.slug], b),
  );
}

/** The key of a pair of task branches at their tips: the same whichever way round it is given. */
export function pairKey(a: { slug: string; tip: string }, b: { slug: string; tip: string }): string {
  const [x, y] = a.slug < b.slug ? [a, b] : [b, a];
  return `${x.slug}@${x.tip} ${y.slug}@${y.tip}`;
}

/**
 * The pairs to merge: every two measured branches that both changed since their bases, whose
 * changed files overlap (a file, or a file on one side where the other has a folder), and whose
 * pair of tips has not been merged before. Branches that touch disjoint files cannot conflict, so
 * twenty live branches cost a merge per overlapping pair, not 190.
 */
export function pairsToMerge(
  branches: readonly RadarBranch[],
  looks: Readonly<Record<string, BranchLook>>,
  done: Readonly<Record<string, string[]>>,
): { a: string; b: string; key: string }[] {
  const changed = branches.flatMap((b) => {
    const look = looks[b.slug];
    return look !== undefined && isCurrent(look, b) && look.ahead > 0 ? [{ slug: b.slug, b, look }] : [];
  });
  const out: { a: string; b: string; key: string }[] = [];
  for (let i = 0; i < changed.length; i++) {
    for (let j = i + 1; j < changed.length; j++) {
      const x = changed[i];
      const y = changed[j];
      if (x === undefined || y === undefined) continue;
      const key = pairKey({ slug: x.slug, tip: x.look.tip }, { slug: y.slug, tip: y.look.tip });
      if (Object.hasOwn(done, key) || !overlaps(x.look.files, y.look.files)) continue;
      // One built on the other (`base: after`): their conflict is the base conflict, said once.
      if (x.b.base === y.b.branch || y.b.base === x.b.branch) continue;
      const [a, b] = x.slug < y.slug ? [x.slug, y.slug] : [y.slug, x.slug];
      out.push({ a, b, key });
    }
  }
  return out;
}

/**
 * True when two lists of changed paths share a path, or one side's path is a folder holding a
 * path of the other's (a file `a` on one branch, `a/b` on the other). Sharing a folder is not an overlap.
 */
export function overlaps(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  const inA = new Set(a);
  const inB = new Set(b);
  return (
    b.some((p) => withFolders(p).some((q) => inA.has(q))) ||
    a.some((p) => withFolders(p).some((q) => inB.has(q)))
  );
}

/** `a/b/c` → `a/b/c`, `a/b`, `a`: a file here and a folder there of one name conflict too. */
function withFolders(p: string): string[] {
  const parts = p.split('/');
  return parts.map((_, i) => parts.slice(0, parts.length - i).join('/'));
}

/** The cache after a heartbeat: kept only for live branches at their current tips. */
export function pruneCache(
  cache: RadarCache,
  branches: readonly RadarBranch[],
  off: string | null,
): RadarCache {
  const live = new Map(branches.map((b) => [b.slug, b]));
  const branchesOut: Record<string, BranchLook> = {};
  for (const [slug, look] of Object.entries(cache.branches)) {
    const b = live.get(slug);
    if (b && isCurrent(look, b)) branchesOut[slug] = look;
  }
  const tips = new Set(Object.entries(branchesOut).map(([slug, l]) => `${slug}@${l.tip}`));
  const pairs: Record<string, string[]> = {};
  for (const [key, files] of Object.entries(cache.pairs))
    if (key.split(' ').every((side) => tips.has(side))) pairs[key] = files;
  return { version: 1, branches: branchesOut, pairs, off };
}

/** What the radar says of each task it looked at (the cache already pruned to current tips). */
export function taskRadars(cache: RadarCache, branchOf: (slug: string) => string): Record<string, TaskRadar> {
  const out: Record<string, TaskRadar> = {};
  for (const [slug, look] of Object.entries(cache.branches)) {
    const conflicts: TaskConflict[] =
      look.conflicts.length > 0
        ? [{ with: look.base, kind: 'base', branch: look.base, files: look.conflicts }]
        : [];
    out[slug] = { base: look.base, behind: look.behind, ahead: look.ahead, conflicts };
  }
  for (const [key, files] of Object.entries(cache.pairs)) {
    if (files.length === 0) continue;
    const [a, b] = key.split(' ').map((side) => side.slice(0, side.lastIndexOf('@')));
    if (a === undefined || b === undefined) continue;
    out[a]?.conflicts.push({ with: b, kind: 'task', branch: branchOf(b), files });
    out[b]?.conflicts.push({ with: a, kind: 'task', branch: branchOf(a), files });
  }
  for (const r of Object.values(out)) r.conflicts.sort((x, y) => (x.with < y.with ? -1 : 1));
  return out;
}

/** A conflict found this heartbeat, with the key that makes it one conflict however often it is seen. */
export interface FoundConflict {
  /** The task it is told to; a pair is told to both. */
  slug: string;
  conflict: TaskConflict;
  /** `base <slug>@<tip> <base>@<tip>` or the pair's key: the tips, so a move makes it new. */
  key: string;
  /** True for the one of a pair's two records that a person is notified of: one conflict, one message. */
  notify: boolean;
}

/** The key of a task's conflict with its base at their tips. */
export function baseConflictKey(slug: string, look: Pick<BranchLook, 'tip' | 'base' | 'baseTip'>): string {
  return `base ${slug}@${look.tip} ${look.base}@${look.baseTip}`;
}

/**
 * The conflicts this heartbeat's merges found, one per task told: a base conflict to its task, a
 * pair conflict to each of the two. Whether one is new is judged by its key against what history
 * recorded (src/watch/radar.ts).
 */
export function foundConflicts(
  measured: Readonly<Record<string, BranchLook>>,
  merged: readonly { a: string; b: string; key: string; files: string[] }[],
  branchOf: (slug: string) => string,
): FoundConflict[] {
  const out: FoundConflict[] = [];
  for (const [slug, look] of Object.entries(measured)) {
    if (look.conflicts.length === 0) continue;
    out.push({
      slug,
      key: baseConflictKey(slug, look),
      notify: true,
      conflict: { with: look.base, kind: 'base', branch: look.base, files: look.conflicts },
    });
  }
  for (const m of merged) {
    if (m.files.length === 0) continue;
    const { a, b, key, files } = m;
    out.push({ slug: a, key, notify: true, conflict: { with: b, kind: 'task', branch: branchOf(b), files } });
    out.push({
      slug: b,
      key,
      notify: false,
      conflict: { with: a, kind: 'task', branch: branchOf(a), files },
    });
  }
  return out;
}

/** What to do about conflicts: report them (the default), or also send the agent a follow-up. */
export type OnConflict = 'report' | 'followup';

/**
 * The branches a task's base may be, best first: its `base:`; for `base: after`, its dependency's
 * branch while that exists, then where that dependency starts, and so on (as dispatch follows
 * it, ops/dependencies.ts); `main` (the main worktree's branch) when none is named. The caller
 * takes the first that exists, from the ref files it read, so no git runs for it.
 */
export function baseCandidates(
  slug: string,
  tasks: ReadonlyMap<string, { base?: string | undefined; after?: readonly string[] | undefined }>,
  branchOf: (slug: string) => string,
  main: string | null,
): string[] {
  const out: string[] = [];
  const seen = new Set<string>([slug]);
  for (let t = tasks.get(slug); t !== undefined;) {
    if (t.base !== AFTER_BASE) {
      const named = t.base ?? main;
      if (named !== null) out.push(named);
      return out;
    }
    const dep = t.after?.[0];
    if (dep === undefined || seen.has(dep)) break; // the parser or the cycle check says so
    seen.add(dep);
    out.push(branchOf(dep));
    t = tasks.get(dep);
  }
  if (main !== null) out.push(main);
  return out;
}

/**
 * True for a task the radar watches: it has a worktree and a branch (from its first run until
 * `baton remove`), and is not cancelled. A `done` task stays watched: its branch is what is about
 * to be merged, and a conflict with it matters most then.
 */
export function isRadarLive(t: { state: string; branch: string | null; worktree: string | null }): boolean {
  return t.branch !== null && t.worktree !== null && t.state !== 'cancelled' && t.state !== 'invalid';
}

/** A cache read back from disk, or an empty one when it is missing, torn or of another version. */
export function toRadarCache(raw: unknown): RadarCache {
  if (typeof raw !== 'object' || raw === null) return emptyRadarCache();
  const o = raw as Partial<RadarCache>;
  if (
    o.version !== 1 ||
    typeof o.branches !== 'object' ||
    typeof o.pairs !== 'object' ||
    !o.branches ||
    !o.pairs
  )
    return emptyRadarCache();
  return { version: 1, branches: o.branches, pairs: o.pairs, off: typeof o.off === 'string' ? o.off : null };
}
