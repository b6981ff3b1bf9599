/**
 * Task dependencies (front matter `after:`, docs/design.md "Task dependencies"): which of a
 * task's dependencies are unmet, and which `after:` lists cannot ever be met (an unknown task, the
 * task itself, a cycle). Pure: the board reads the tasks and asks git which branches are merged
 * (ops/dependencies.ts); this decides from that.
 *
 * `blocked` is derived like `ready`: it is never written to a status file, so a watcher killed
 * between a dependency's `done` and the dispatch it allows loses nothing; the next reading of the
 * board finds the task ready again.
 */
import { isValidSlug } from './slug.js';
import type { TaskState } from './states.js';

/** The `base:` value that starts a task from its one dependency's branch. */
export const AFTER_BASE = 'after';

/**
 * The front-matter value of `after:` as a list of slugs: a list, or one slug alone. Undefined
 * when it is neither (the parser says what was expected). Duplicates are dropped.
 */
export function parseAfter(v: unknown): string[] | undefined {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list)) return undefined;
  const out: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string' || !isValidSlug(item)) return undefined;
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

/** One task as the judgement sees it. An invalid task file is a node with no `after`. */
export interface DependencyNode {
  slug: string;
  after: readonly string[];
  afterMerge: boolean;
  /** The task's classified state (domain/classify.ts). */
  state: TaskState;
}

/** A dependency that is not met yet, and why. */
export interface UnmetDependency {
  slug: string;
  /** The dependency's state as judged (it may itself be blocked or invalid). */
  state: TaskState;
  /** Set when it is done but its branch is not merged yet (`after-merge: true`): into which branch. */
  notMergedInto?: string;
}

/** Whether a dependency's branch is merged into its base, and which base that is. */
export interface MergeFact {
  merged: boolean;
  into: string;
}

/** What the judgement says of one task that has an `after:` list. */
export type DependencyVerdict =
  /** Its `after:` can never be met: an unknown task, itself, or a cycle (spelled out). */
  | { kind: 'invalid'; error: string }
  /** Ready but waiting: these dependencies are unmet. */
  | { kind: 'blocked'; on: UnmetDependency[] }
  /** Nothing holds it back. */
  | { kind: 'met' };

/**
 * The states in which a task's dependencies are judged: it has not started. A task that ran is
 * past its dependencies; judging it again (say, after a dependency's file was removed) would
 * only mislabel work that exists.
 */
const JUDGED: ReadonlySet<TaskState> = new Set(['ready', 'draft']);

/**
 * The dependencies whose merge must be known (`mergeFacts` in `judgeDependencies`): the `done`
 * ones of ready tasks that ask for `after-merge`. Only these cost a git question.
 */
export function mergeQuestions(nodes: readonly DependencyNode[]): string[] {
  const state = new Map(nodes.map((n) => [n.slug, n.state]));
  const out = new Set<string>();
  for (const n of nodes) {
    if (n.state !== 'ready' || !n.afterMerge) continue;
    for (const d of n.after) if (state.get(d) === 'done') out.add(d);
  }
  return [...out];
}

/**
 * Judges every not-yet-started task that has an `after:` list. A draft is judged only for what
 * makes it invalid (it waits for `status: ready` first); a ready task is also judged for unmet
 * dependencies: one not `done`, or, with `after-merge`, done but not merged (`mergeFacts`; a
 * dependency missing from it counts as not merged). The states in the verdicts are the ones
 * this judgement leaves: a dependency that is itself blocked or invalid is named as such.
 */
export function judgeDependencies(
  nodes: readonly DependencyNode[],
  mergeFacts: ReadonlyMap<string, MergeFact> = new Map(),
): Map<string, DependencyVerdict> {
  const bySlug = new Map(nodes.map((n) => [n.slug, n]));
  const verdicts = new Map<string, DependencyVerdict>();
  for (const n of nodes) {
    if (n.after.length === 0 || !JUDGED.has(n.state)) continue;
    const unknown = n.after.filter((d) => !bySlug.has(d));
    if (unknown.length > 0) {
      const which = unknown.map((d) => `tasks/${d}.md`).join(', ');
      verdicts.set(n.slug, {
        kind: 'invalid',
        error: `after: names ${unknown.length === 1 ? 'a task' : 'tasks'} that ${unknown.length === 1 ? 'does' : 'do'} not exist (no ${which})`,
      });
      continue;
    }
    const cycle = cycleThrough(n.slug, bySlug);
    if (cycle !== null)
      verdicts.set(n.slug, {
        kind: 'invalid',
        error: `after: makes a cycle, ${cycle.join(' → ')}: no task in it could ever start`,
      });
  }
  const stateOf = (slug: string): TaskState => {
    const v = verdicts.get(slug);
    if (v?.kind === 'invalid') return 'invalid';
    return bySlug.get(slug)?.state ?? 'invalid';
  };
  // Blocked-ness is decided after every invalid verdict, so a dependency in a cycle shows as
  // invalid. Whether a dependency is unmet depends only on it being done (a blocked task never
  // is), so the states named are filled in once every verdict is known: a blocked one shows so.
  for (const n of nodes) {
    if (n.after.length === 0 || n.state !== 'ready' || verdicts.has(n.slug)) continue;
    const on: UnmetDependency[] = [];
    for (const d of n.after) {
      const state = stateOf(d);
      if (state !== 'done') on.push({ slug: d, state });
      else if (n.afterMerge) {
        const fact = mergeFacts.get(d);
        if (fact?.merged !== true) on.push({ slug: d, state, notMergedInto: fact?.into ?? 'its base' });
      }
    }
    verdicts.set(n.slug, on.length > 0 ? { kind: 'blocked', on } : { kind: 'met' });
  }
  for (const v of verdicts.values())
    if (v.kind === 'blocked')
      for (const u of v.on) if (verdicts.get(u.slug)?.kind === 'blocked') u.state = 'blocked';
  return verdicts;
}

/**
 * The shortest cycle of `after:` edges through `start`, as slugs from `start` back to it
 * (`[a, b, a]`; `[a, a]` for a task naming itself), or null when `start` is on none. A breadth-
 * first search over what `start` depends on, so its cost is the part of the graph behind it.
 */
export function cycleThrough(
  start: string,
  bySlug: ReadonlyMap<string, Pick<DependencyNode, 'after'>>,
): string[] | null {
  const parent = new Map<string, string>();
  const queue: string[] = [start];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i] as string;
    for (const d of bySlug.get(at)?.after ?? []) {
      if (d === start) {
        const path = [start];
        for (let p: string | undefined = at; p !== undefined && p !== start; p = parent.get(p)) path.push(p);
        path.push(start);
        // Collected from the end of the cycle back to its start: read it the other way round.
        return [start, ...path.slice(1, -1).reverse(), start];
      }
      if (parent.has(d) || d === start || !bySlug.has(d)) continue;
      parent.set(d, at);
      queue.push(d);
    }
  }
  return null;
}

/** The unmet dependencies in words: `a (running), b (done, not yet merged into main)`. */
export function describeUnmet(on: readonly UnmetDependency[]): string {
  return on
    .map((u) =>
      u.notMergedInto !== undefined
        ? `${u.slug} (done, not yet merged into ${u.notMergedInto})`
        : `${u.slug} (${u.state === 'invalid' ? 'invalid: see its file' : u.state})`,
    )
    .join(', ');
}
