/**
 * Task dependencies on the board (docs/design.md, "Task dependencies"): the tasks read off disk
 * are judged (domain/dependencies.ts) and a ready task whose `after:` is unmet shows as
 * `blocked`, one whose `after:` can never be met as `invalid`. Git is asked only whether the
 * dependencies of `after-merge` tasks are merged, and only for those that are done whose PR the
 * watcher has not seen merged. Also where a `base: after` task's worktree starts, and where a
 * task's work is finally merged. The gate a dispatch passes is ops/dependency-gate.ts.
 */
import {
  AFTER_BASE,
  judgeDependencies,
  mergeQuestions,
  type DependencyNode,
  type MergeFact,
  type UnmetDependency,
} from '../domain/dependencies.js';
import type { TaskState } from '../domain/states.js';
import { branchExists, currentBranch, isAncestor } from '../git/refs.js';
import { readPrSync } from '../store/pr.js';
import type { TaskSummary } from '../store/task-index.js';
import { loadTaskFile } from '../store/taskfiles.js';
import { taskWorktree, type Repo } from './repo.js';

/** What the judgement reads and marks of a board's task (ops/board.ts `BoardTask`). */
export interface DependentTask {
  slug: string | null;
  file: string;
  state: TaskState;
  task: TaskSummary | null;
  error: string | null;
  blockedOn?: UnmetDependency[];
}

/**
 * Judges the dependencies of `tasks` (a whole board) and marks them in place: `blocked` with
 * `blockedOn`, or `invalid` with the reason as `error`. A board with no `after:` costs nothing.
 */
export async function applyDependencies(repo: Repo, tasks: DependentTask[]): Promise<void> {
  if (!tasks.some((t) => (t.task?.after.length ?? 0) > 0)) return;
  const nodes: DependencyNode[] = [];
  const summaries = new Map<string, TaskSummary>();
  for (const t of tasks) {
    if (t.slug === null) continue;
    if (t.task !== null) summaries.set(t.slug, t.task);
    nodes.push({
      slug: t.slug,
      after: t.task?.after ?? [],
      afterMerge: t.task?.afterMerge ?? false,
      state: t.state,
    });
  }
  const facts = new Map<string, MergeFact>();
  for (const dep of mergeQuestions(nodes)) facts.set(dep, await mergeFact(repo, dep, summaries));
  const verdicts = judgeDependencies(nodes, facts);
  for (const t of tasks) {
    const v = t.slug === null ? undefined : verdicts.get(t.slug);
    if (v?.kind === 'invalid') {
      t.state = 'invalid';
      t.error = `${t.file}: ${v.error}`;
    } else if (v?.kind === 'blocked') {
      t.state = 'blocked';
      t.blockedOn = v.on;
    }
  }
}

/**
 * Whether dependency `dep`'s branch is merged into the branch its work goes to (`after-merge`;
 * `mergeTargetOf`). A branch that is gone counts as merged: `baton remove` deletes a task branch
 * only once it is merged (or with `--force`, which says the work is not wanted), and a task
 * marked done without ever running has none. A dependency whose PR record says `MERGED` into that
 * same branch (the watcher's PR poll saw the forge merge it) is merged too, with no git question:
 * a merge made on GitHub reaches the local base only when someone fetches.
 */
async function mergeFact(
  repo: Repo,
  dep: string,
  summaries: ReadonlyMap<string, TaskSummary>,
): Promise<MergeFact> {
  const root = repo.info.root;
  const task = summaries.get(dep) ?? null;
  const lookup = (slug: string): Promise<BaseFields | null> => Promise.resolve(summaries.get(slug) ?? null);
  const into = (task === null ? null : await followBase(repo, task, lookup, false)) ?? 'its base';
  const pr = readPrSync(repo.paths, dep);
  if (pr?.state === 'MERGED' && pr.base === into) return { merged: true, into };
  const branch = taskWorktree(repo.config, dep).branch;
  if (!(await branchExists(root, branch))) return { merged: true, into };
  if (!(await branchExists(root, into))) return { merged: false, into };
  const merged = await isAncestor(root, branch, into).catch(() => false);
  return { merged, into };
}

/** What following `base: after` reads of a task. */
type BaseFields = Pick<TaskSummary, 'base' | 'after'>;

/** The task file's base fields, or null when it cannot be read. */
async function fromFile(repo: Repo, slug: string): Promise<BaseFields | null> {
  const loaded = await loadTaskFile(repo.info.root, `${slug}.md`).catch(() => null);
  return loaded?.ok ? loaded.value : null;
}

/**
 * Follows `base: after` from `task` until a task names a branch (or none: the main worktree's
 * branch). With `startBranch`, a dependency's own branch, while it exists, is the answer: where
 * the task starts. Without, dependencies' branches are passed over: where the work goes.
 */
async function followBase(
  repo: Repo,
  task: BaseFields,
  lookup: (slug: string) => Promise<BaseFields | null>,
  startBranch: boolean,
): Promise<string | null> {
  const seen = new Set<string>();
  for (let t: BaseFields | null = task; t !== null;) {
    if (t.base !== AFTER_BASE) return t.base ?? (await currentBranch(repo.info.root));
    const dep: string | undefined = t.after[0];
    if (dep === undefined || seen.has(dep)) break; // the parser or the cycle check says so
    seen.add(dep);
    const branch = taskWorktree(repo.config, dep).branch;
    if (startBranch && (await branchExists(repo.info.root, branch))) return branch;
    t = await lookup(dep);
  }
  return currentBranch(repo.info.root);
}

/**
 * The branch a task starts from (`dispatch`): its `base:`; for `base: after` its dependency's
 * branch, or that dependency's own base once the branch is gone; else the main worktree's
 * branch. Null on a detached HEAD with no base named.
 */
export function baseBranchOf(repo: Repo, task: BaseFields): Promise<string | null> {
  return followBase(repo, task, (slug) => fromFile(repo, slug), true);
}

/**
 * The branch a task's work is finally merged into (`remove`, `after-merge`): its `base:`, and
 * for `base: after` its dependency's, followed until one names a branch; else the main
 * worktree's. Not the dependency's branch: that is where the work started, not where it goes.
 */
export function mergeTargetOf(repo: Repo, task: BaseFields): Promise<string | null> {
  return followBase(repo, task, (slug) => fromFile(repo, slug), false);
}
