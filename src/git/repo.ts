/**
 * The few facts baton asks git about a repository. simple-git has no worktree API, so worktree
 * commands go through `raw()`. Every function takes the directory to run in; none caches.
 */
import { promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { BatonError } from '../domain/errors.js';

/**
 * A simple-git instance rooted at `dir`. simple-git drops ambient `GIT_*` variables from the
 * environment it gives git, which is what a hook needs (git sets GIT_DIR for pre-commit in a
 * linked worktree) and what every other caller wants.
 */
export function git(dir: string): SimpleGit {
  return simpleGit({ baseDir: dir });
}

/** Where a managed repository lives: its main worktree and git's common directory. */
export interface RepoInfo {
  /** The main worktree's top level (real path); baton's `tasks/` lives here. */
  root: string;
  /** `git rev-parse --git-common-dir`, absolute. */
  commonDir: string;
}

/**
 * Finds the managed repository from any directory inside it, including a task's worktree: the
 * root is the main worktree, so commands run from a linked worktree act on the same `tasks/`.
 */
export async function findRepo(cwd: string): Promise<RepoInfo> {
  let out: string;
  try {
    out = await git(cwd).raw(['rev-parse', '--path-format=absolute', '--git-common-dir', '--show-toplevel']);
  } catch {
    throw new BatonError('NOT_A_REPO', `${cwd} is not inside a git repository.`, {
      hint: 'Run baton inside a git repository, or create one with `git init` and make a first commit.',
    });
  }
  const [commonDirRaw, toplevel] = out.trim().split('\n');
  if (commonDirRaw === undefined)
    throw new BatonError('GIT_FAILED', 'git did not name the repository directory.');
  const commonDir = realpathSync(commonDirRaw);
  const root = path.basename(commonDir) === '.git' ? path.dirname(commonDir) : (toplevel ?? cwd);
  return { root: realpathSync(root), commonDir };
}

/** Throws a clear error when the repository has no commit yet (a worktree needs one). */
export async function assertHasCommits(root: string): Promise<void> {
  // simple-git reports a non-zero exit only when git wrote to stderr: read the output instead.
  const out = await git(root)
    .raw(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])
    .catch(() => '');
  if (out.trim() === '') {
    throw new BatonError(
      'NO_COMMITS',
      `The repository at ${root} has no commits yet, so no task branch can start from it.`,
      {
        hint: 'Make a first commit (`git commit --allow-empty -m init`), then dispatch again.',
      },
    );
  }
}

/** The branch checked out at `dir`, or null on a detached HEAD. */
export async function currentBranch(dir: string): Promise<string | null> {
  const out = await git(dir)
    .raw(['symbolic-ref', '--short', '-q', 'HEAD'])
    .catch(() => '');
  const name = out.trim();
  return name === '' ? null : name;
}

/** True when `refs/heads/<branch>` exists. */
export async function branchExists(dir: string, branch: string): Promise<boolean> {
  const out = await git(dir)
    .raw(['for-each-ref', '--format=%(refname)', `refs/heads/${branch}`])
    .catch(() => '');
  return out.trim() === `refs/heads/${branch}`;
}

/** One entry of `git worktree list --porcelain`. */
export interface WorktreeEntry {
  path: string;
  head: string | null;
  /** Short branch name, or null when detached or bare. */
  branch: string | null;
  bare: boolean;
  prunable: boolean;
}

/** Every worktree git knows of, the main one first. */
export async function listWorktrees(root: string): Promise<WorktreeEntry[]> {
  const out = await git(root).raw(['worktree', 'list', '--porcelain']);
  return parseWorktreeList(out);
}

/** Parses `git worktree list --porcelain` output (pure). */
export function parseWorktreeList(out: string): WorktreeEntry[] {
  const entries: WorktreeEntry[] = [];
  let cur: WorktreeEntry | null = null;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) {
      cur = { path: line.slice('worktree '.length), head: null, branch: null, bare: false, prunable: false };
      entries.push(cur);
    } else if (cur === null) {
      continue;
    } else if (line.startsWith('HEAD ')) {
      cur.head = line.slice(5);
    } else if (line.startsWith('branch ')) {
      cur.branch = line.slice(7).replace(/^refs\/heads\//, '');
    } else if (line === 'bare') {
      cur.bare = true;
    } else if (line.startsWith('prunable')) {
      cur.prunable = true;
    }
  }
  return entries;
}

/**
 * The worktree's own git dir (`.git/worktrees/<id>` for a linked worktree), where its lock lives.
 * Read from the worktree's `.git` file rather than by running git: it is on every hot path.
 */
export async function gitDirOf(worktree: string): Promise<string> {
  const dotGit = path.join(worktree, '.git');
  const st = await fs.lstat(dotGit);
  if (st.isDirectory()) return dotGit;
  const text = await fs.readFile(dotGit, 'utf8');
  const m = /^gitdir: (.+)$/m.exec(text);
  if (!m?.[1]) throw new BatonError('GIT_FAILED', `${dotGit} does not name a git directory.`);
  return path.resolve(worktree, m[1].trim());
}
