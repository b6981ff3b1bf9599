/**
 * "One branch, one worktree", checked over every worktree (docs/design.md, "Git hooks in task
 * worktrees"): a task's worktree on another branch, or a task's branch checked out elsewhere.
 * Pure. The post-checkout hook asks about one worktree (`judgeCheckout` in rules.ts); the
 * heartbeat's reconcile and doctor ask about all of them, to catch what a bypassed hook missed.
 */
import path from 'node:path';

import type { WorktreeEntry } from '../git/worktrees.js';
import { taskSlugOfBranch, taskSlugOfPath, OK, type TaskLayout, type Verdict } from './rules.js';

/** A task worktree on the wrong branch, or a task branch checked out somewhere else. */
export type Misplaced =
  | { kind: 'wrong-branch'; slug: string; path: string; branch: string; expectedBranch: string }
  | {
      kind: 'branch-elsewhere';
      slug: string;
      path: string;
      branch: string;
      expectedPath: string;
      main: boolean;
    };

/** Options of `findMisplacedBranches`. */
export interface MisplacedOptions {
  /** Only slugs for which this holds are tasks (default: every valid slug). */
  isTask?: (slug: string) => boolean;
  /** Resolves a path to compare (default: the identity; pass realpath when paths may differ). */
  realpath?: (p: string) => string;
}

/**
 * Every worktree that breaks "one branch, one worktree": a task's worktree on another branch, or
 * a task's branch checked out anywhere but its worktree. `worktrees` is `git worktree list` (the
 * main worktree first). Detached HEADs are not reported: rebase and bisect detach for a while.
 * Hooks can be bypassed; the heartbeat's reconcile calls this to catch what they missed.
 */
export function findMisplacedBranches(
  worktrees: readonly WorktreeEntry[],
  config: TaskLayout,
  opts: MisplacedOptions = {},
): Misplaced[] {
  const isTask = opts.isTask ?? (() => true);
  const real = opts.realpath ?? ((p: string) => p);
  const layout = { ...config, worktreesDir: real(config.worktreesDir) };
  const out: Misplaced[] = [];
  worktrees.forEach((w, i) => {
    if (w.bare || w.prunable) return;
    out.push(...misplacedAt(real(w.path), w.branch, i === 0, layout, isTask));
  });
  return out;
}

/** What is wrong with one worktree at `dir` (real path) on `branch`. */
export function misplacedAt(
  dir: string,
  branch: string | null,
  main: boolean,
  layout: TaskLayout,
  isTask: (slug: string) => boolean,
): Misplaced[] {
  const out: Misplaced[] = [];
  if (branch === null) return out;
  const pathSlug = main ? null : taskSlugOfPath(dir, layout);
  const expectedBranch = pathSlug === null ? null : `${layout.branchPrefix}${pathSlug}`;
  if (pathSlug !== null && expectedBranch !== null && branch !== expectedBranch && isTask(pathSlug)) {
    out.push({ kind: 'wrong-branch', slug: pathSlug, path: dir, branch, expectedBranch });
  }
  const branchSlug = taskSlugOfBranch(branch, layout);
  if (branchSlug !== null && isTask(branchSlug)) {
    const expectedPath = path.join(layout.worktreesDir, branchSlug);
    if (dir !== expectedPath) {
      out.push({ kind: 'branch-elsewhere', slug: branchSlug, path: dir, branch, expectedPath, main });
    }
  }
  return out;
}

/** One sentence saying what is wrong, and the fix. */
export function describeMisplaced(m: Misplaced): { message: string; hint: string } {
  if (m.kind === 'wrong-branch') {
    return {
      message: `${m.path} is task ${m.slug}'s worktree, but it is on branch ${m.branch} instead of ${m.expectedBranch}.`,
      hint: `Remove it (\`git worktree remove ${m.path}\`) and let \`baton dispatch ${m.slug}\` make it, or switch it back (\`git -C ${m.path} switch ${m.expectedBranch}\`).`,
    };
  }
  const fix = m.main
    ? `switch the main worktree back (\`git -C ${m.path} switch -\`)`
    : `remove this worktree (\`git worktree remove ${m.path}\`) or switch it to another branch (\`git -C ${m.path} switch <branch>\`)`;
  return {
    message: `Branch ${m.branch} is task ${m.slug}'s branch, but it is checked out at ${m.path} instead of its worktree ${m.expectedPath}.`,
    hint: `Baton works on ${m.branch} only in ${m.expectedPath}: ${fix}.`,
  };
}

/** post-checkout: what to report about the worktree at `dir` after a branch checkout. */
export function judgeCheckout(
  dir: string,
  branch: string | null,
  main: boolean,
  layout: TaskLayout,
  isTask: (slug: string) => boolean,
): Verdict {
  const found = misplacedAt(dir, branch, main, layout, isTask)[0];
  if (found === undefined) return OK;
  const { message, hint } = describeMisplaced(found);
  return {
    ok: false,
    message,
    hint: `${hint} git has made the checkout already and cannot undo it; to silence this: \`BATON_ALLOW=1\`.`,
  };
}
