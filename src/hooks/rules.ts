/**
 * What the git hooks decide (docs/design.md, "Git hooks in task worktrees"): one branch, one worktree, one writer. Pure: the
 * facts come in (where git is, which branch, the task lock as read), a verdict comes out; the
 * I/O lives in run.ts and facts.ts. Every refusal says what is wrong in one sentence and, in
 * the hint, the command that fixes it and how to override.
 */
import path from 'node:path';

import { stagedWords } from '../domain/hand-staged.js';
import { isValidSlug } from '../domain/slug.js';

/** The hooks baton installs. */
export const HOOK_NAMES = [
  'pre-commit',
  'pre-merge-commit',
  'pre-rebase',
  'post-checkout',
  'reference-transaction',
] as const;
/** One of HOOK_NAMES. */
export type HookName = (typeof HOOK_NAMES)[number];

/** True when `s` names a hook baton installs. */
export function isHookName(s: string): s is HookName {
  return (HOOK_NAMES as readonly string[]).includes(s);
}

/** Where tasks live: the two config settings the hooks need. */
export interface TaskLayout {
  branchPrefix: string;
  /** Absolute; compared with real paths, so pass it through realpath where it exists. */
  worktreesDir: string;
}

/** A task worktree's lock, as the rules need it. */
export interface LockView {
  /** Not released and its holder alive. */
  live: boolean;
  runId: string;
  slug: string | null;
  /** `pid 1234 (run r-abc, since ...)`. */
  holder: string;
}

/** A hook's answer: go on, or refuse with one sentence and what to do. */
export type Verdict = { ok: true } | { ok: false; message: string; hint: string };

/** The verdict that lets git go on. */
export const OK: Verdict = { ok: true };

/** The slug whose task branch `branch` is, or null when it is not one. */
export function taskSlugOfBranch(branch: string | null, layout: TaskLayout): string | null {
  if (branch === null || !branch.startsWith(layout.branchPrefix)) return null;
  const slug = branch.slice(layout.branchPrefix.length);
  return isValidSlug(slug) ? slug : null;
}

/** The slug whose task worktree path `dir` (a real path) is, or null. */
export function taskSlugOfPath(dir: string, layout: TaskLayout): string | null {
  const slug = path.basename(dir);
  return path.dirname(dir) === layout.worktreesDir && isValidSlug(slug) ? slug : null;
}

/** What is being done, for messages and the override that fits it. */
export type Action = 'commit' | 'merge' | 'rebase';

/** The facts a commit-like hook (pre-commit, pre-merge-commit, pre-rebase) decides on. */
export interface CommitFacts {
  action: Action;
  /** The worktree's top level, real path. */
  worktree: string;
  /** The branch checked out there (short name), null when detached. */
  branch: string | null;
  /** The lock in this worktree's git dir, if there is one. */
  lock: LockView | null;
  /** BATON_RUN_ID of whoever runs git, null when unset. */
  runId: string | null;
  layout: TaskLayout;
  isTask: (slug: string) => boolean;
  /**
   * The paths staged in this worktree's index, read only once a live worker refuses a commit
   * (`refusedByWorker`): the refusal then says they stay there, and how to take them out.
   */
  staged?: readonly string[];
}

/** True when a live worker holds this worktree and the commit is not its own: the first refusal. */
export function refusedByWorker(f: CommitFacts): boolean {
  return f.lock?.live === true && f.lock.runId !== f.runId;
}

/**
 * May a commit (merge, rebase) be made here? No while a live worker holds this worktree's lock,
 * unless it comes from that worker's run; and never on a task branch outside its own worktree.
 */
export function judgeCommit(f: CommitFacts): Verdict {
  const override = `to ${f.action} anyway: \`git ${f.action} --no-verify\` or \`BATON_ALLOW=1 git ${f.action} ...\``;
  // pre-merge-commit runs once git has merged the files and written MERGE_HEAD; a hook cannot
  // undo that safely, so the refusal says how.
  const undo =
    f.action === 'merge'
      ? ' (git has already merged the files here and left MERGE_HEAD: `git merge --abort` puts them back)'
      : '';
  if (f.lock?.live && refusedByWorker(f)) {
    const slug = f.lock.slug ?? taskSlugOfPath(f.worktree, f.layout) ?? path.basename(f.worktree);
    const staged = f.action === 'commit' && f.staged?.length ? stagedWords(slug, f.worktree, f.staged) : null;
    return {
      ok: false,
      message: `Task ${slug}'s worker ${f.lock.holder} is working in ${f.worktree}, and this ${f.action} does not come from it${undo}${staged?.clause ?? ''}.`,
      hint: `${staged ? `${staged.hint} Then wait` : 'Wait'} for the worker to finish (\`baton status\`) or stop it (\`baton stop ${slug}\`); ${override}.`,
    };
  }
  const slug = taskSlugOfBranch(f.branch, f.layout);
  if (slug !== null && f.isTask(slug)) {
    const home = path.join(f.layout.worktreesDir, slug);
    if (f.worktree !== home) {
      return {
        ok: false,
        message: `Branch ${f.branch} is task ${slug}'s branch and takes commits only in its worktree ${home}, not in ${f.worktree}${undo}.`,
        hint: `Work in ${home} instead, or switch this worktree to another branch (\`git switch <branch>\`); ${override}.`,
      };
    }
  }
  return OK;
}

/** One line of reference-transaction's input. */
export interface RefUpdate {
  old: string;
  new: string;
  ref: string;
}

/** Parses reference-transaction's stdin: `<old> <new> <ref>` per line; other lines are skipped. */
export function parseRefUpdates(text: string): RefUpdate[] {
  const out: RefUpdate[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+) (\S+) (\S+)$/.exec(line.trim());
    if (m) out.push({ old: m[1] ?? '', new: m[2] ?? '', ref: m[3] ?? '' });
  }
  return out;
}

/** The task branches an update really moves (creations and deletions included; no-op rewrites not). */
export function movedTaskBranches(
  updates: RefUpdate[],
  layout: TaskLayout,
): { branch: string; slug: string }[] {
  const out: { branch: string; slug: string }[] = [];
  for (const u of updates) {
    if (u.old === u.new || !u.ref.startsWith('refs/heads/')) continue;
    const branch = u.ref.slice('refs/heads/'.length);
    const slug = taskSlugOfBranch(branch, layout);
    if (slug !== null && !out.some((o) => o.branch === branch)) out.push({ branch, slug });
  }
  return out;
}

/**
 * May this ref update move `branch`? Not while a live worker holds its task's lock, unless it
 * comes from that worker's run or git was told `--no-verify`.
 */
export function judgeRefUpdate(
  branch: string,
  slug: string,
  lock: LockView | null,
  runId: string | null,
  noVerify: boolean,
): Verdict {
  if (!lock?.live || lock.runId === runId || noVerify) return OK;
  return {
    ok: false,
    message: `Branch ${branch} is being worked on by task ${slug}'s worker ${lock.holder}, and this update does not come from it.`,
    hint: `Wait for it to finish (\`baton status\`) or stop it (\`baton stop ${slug}\`), then try again; to force it: \`BATON_ALLOW=1 git ...\` (or \`--no-verify\` on a commit or merge).`,
  };
}
