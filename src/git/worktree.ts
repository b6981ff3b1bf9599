/**
 * Creating and reusing a task's worktree. git lets two concurrent `git worktree add` of one
 * branch both succeed, so every add/remove/prune runs under one repository-level lock in git's
 * common directory.
 */
import { existsSync, promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';
import { BatonError } from '../domain/errors.js';
import { withRepoLock } from '../store/lock.js';
import { branchExists, currentBranch } from './refs.js';
import {
  listWorktrees,
  worktreeAdd,
  worktreePrune,
  type WorktreeCheckout,
  type WorktreeEntry,
} from './worktrees.js';

/** The repository-level lock that serialises worktree creation and removal. */
export function repoLockPath(commonDir: string): string {
  return path.join(commonDir, 'baton-repo.lock');
}

/** What a task's worktree should be. */
export interface WorktreeSpec {
  root: string;
  commonDir: string;
  branch: string;
  path: string;
  /** Branch to start a new task branch from; null means the root's current branch. */
  base: string | null;
}

/** The worktree as made or found. */
export interface EnsuredWorktree {
  path: string;
  branch: string;
  created: boolean;
}

/** Creates the task's branch and worktree, or reuses them; refuses when the path or branch is taken. */
export async function ensureWorktree(spec: WorktreeSpec): Promise<EnsuredWorktree> {
  // Outside the lock a worktree may be half made by a concurrent add: only a complete match
  // counts here (read from git's files, no subprocess); everything else is judged under the lock.
  if (await isHealthyWorktree(spec))
    return { path: realpathSync(spec.path), branch: spec.branch, created: false };
  return withRepoLock(repoLockPath(spec.commonDir), async () => {
    // Checked under the lock: another process may have created it meanwhile, or it may conflict.
    const entries = await listWorktrees(spec.root);
    const again = checkExisting(spec, entries);
    if (again) return again;
    await createWorktree(
      spec,
      entries.some((e) => e.prunable),
    );
    return { path: realpathSync(spec.path), branch: spec.branch, created: true };
  });
}

/**
 * True when the task's worktree is in place, read from git's files rather than by running git
 * (two subprocesses on every dispatch): its `.git` names a worktree dir under the common dir,
 * that dir's `gitdir` names this worktree back (so git would not call it prunable), no `git
 * worktree add` is still making it, and its HEAD is the task branch. Git lets a branch be
 * checked out in one worktree only, so that is all `git worktree list` would have told. Anything
 * else (even a detached HEAD mid-rebase) is left to the full check.
 */
export async function isHealthyWorktree(spec: WorktreeSpec): Promise<boolean> {
  try {
    const dotGit = path.join(spec.path, '.git');
    const gitDir = path.resolve(spec.path, gitdirLine(await fs.readFile(dotGit, 'utf8')));
    if (realpathSync(path.dirname(gitDir)) !== path.join(spec.commonDir, 'worktrees')) return false;
    const back = path.resolve(gitDir, (await fs.readFile(path.join(gitDir, 'gitdir'), 'utf8')).trim());
    if (realpathSync(back) !== realpathSync(dotGit)) return false;
    // `git worktree add` keeps a `locked` file ("initializing") there until the checkout is done.
    if (existsSync(path.join(gitDir, 'locked'))) return false;
    const head = await fs.readFile(path.join(gitDir, 'HEAD'), 'utf8');
    return head.trim() === `ref: refs/heads/${spec.branch}`;
  } catch {
    return false;
  }
}

function gitdirLine(text: string): string {
  const m = /^gitdir: (.+)$/m.exec(text);
  if (!m?.[1]) throw new Error('not a worktree .git file');
  return m[1].trim();
}

function checkExisting(spec: WorktreeSpec, entries: readonly WorktreeEntry[]): EnsuredWorktree | null {
  const target = resolveReal(spec.path);
  const atPath = entries.find((e) => resolveReal(e.path) === target && !e.prunable);
  if (atPath) {
    if (atPath.branch === spec.branch) return { path: target, branch: spec.branch, created: false };
    throw new BatonError(
      'WORKTREE_CONFLICT',
      `The task's worktree ${spec.path} is on ${atPath.branch === null ? 'a detached HEAD' : `branch ${atPath.branch}`}, not on ${spec.branch}.`,
      {
        hint: `Check out ${spec.branch} there (\`git -C ${spec.path} switch ${spec.branch}\`), or remove that worktree.`,
      },
    );
  }
  const elsewhere = entries.find((e) => e.branch === spec.branch && !e.prunable);
  if (elsewhere) {
    throw new BatonError(
      'WORKTREE_CONFLICT',
      `Branch ${spec.branch} is checked out at ${elsewhere.path}, not at the task's worktree ${spec.path}.`,
      {
        hint: `Switch that worktree to another branch (\`git -C ${elsewhere.path} switch -\`), then dispatch again.`,
      },
    );
  }
  return null;
}

async function createWorktree(spec: WorktreeSpec, prunable: boolean): Promise<void> {
  // Made under the repository lock, for a branch baton owns: baton's own hooks would only ask
  // baton whether it may do what it decided (a shell and a git process per hook). BATON_ALLOW
  // skips just those checks; hooks chained from before baton still run.
  if (prunable) await worktreePrune(spec.root);
  if (existsSync(spec.path)) {
    const entries = await fs.readdir(spec.path).catch(() => null);
    if (entries === null || entries.length > 0) {
      throw new BatonError(
        'WORKTREE_CONFLICT',
        `${spec.path} already exists and is not the task's worktree.`,
        {
          hint: 'Move or delete it, or set worktreesDir in baton.yaml to another folder.',
        },
      );
    }
  }
  await fs.mkdir(path.dirname(spec.path), { recursive: true });
  let checkout: WorktreeCheckout;
  const [exists, current] = await Promise.all([
    branchExists(spec.root, spec.branch),
    spec.base === null ? currentBranch(spec.root) : Promise.resolve(null),
  ]);
  if (exists) {
    checkout = { branch: spec.branch };
  } else {
    const base = spec.base ?? current;
    if (base === null) {
      throw new BatonError(
        'GIT_FAILED',
        `The repository at ${spec.root} is on a detached HEAD, so there is no branch to start ${spec.branch} from.`,
        {
          hint: 'Check out a branch in the main worktree, or set `base:` in the task file.',
        },
      );
    }
    // The checked-out branch exists (the repository has commits); a named base may not.
    if (spec.base !== null && !(await branchExists(spec.root, base))) {
      throw new BatonError('GIT_FAILED', `The base branch ${base} does not exist.`, {
        hint: 'Set `base:` in the task file to an existing branch.',
      });
    }
    checkout = { newBranch: spec.branch, from: base };
  }
  try {
    await worktreeAdd(spec.root, spec.path, checkout, { BATON_ALLOW: '1' });
  } catch (err) {
    // post-checkout hooks may fail after the worktree was made; anything else is a real failure.
    if (!(await isWorktreeOn(spec))) {
      throw new BatonError(
        'GIT_FAILED',
        `git could not create the worktree ${spec.path}: ${firstLine(err)}`,
        {
          hint: 'Fix what git says above, then dispatch again.',
          cause: err,
        },
      );
    }
  }
}

async function isWorktreeOn(spec: WorktreeSpec): Promise<boolean> {
  const entries: WorktreeEntry[] = await listWorktrees(spec.root);
  const target = resolveReal(spec.path);
  return entries.some((e) => resolveReal(e.path) === target && e.branch === spec.branch);
}

function resolveReal(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.trim().split('\n')[0] ?? msg;
}
