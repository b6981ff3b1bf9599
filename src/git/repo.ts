/**
 * The few facts baton asks git about a repository, through one small interface (`git(dir).raw`).
 * Every function takes the directory to run in; none caches.
 */
import { promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { BatonError } from '../domain/errors.js';

/** The one interface baton has in front of git: run it in a directory, get its output. */
export interface Git {
  /** Runs `git <args>`; resolves to stdout, rejects with git's stderr on a non-zero exit. */
  raw(args: string[]): Promise<string>;
  /** The given paths that git ignores (`git check-ignore`); none when it ignores none. */
  checkIgnore(paths: string[]): Promise<string[]>;
}

/** git's variables that point it at a repository: a hook runs with them set for its own. */
const REPO_VARS =
  /^GIT_(DIR|WORK_TREE|INDEX_FILE|COMMON_DIR|PREFIX|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|NAMESPACE)$/;

/**
 * git, run in `dir` with git's repository variables removed from the environment (git sets
 * GIT_DIR for pre-commit in a linked worktree). A plain execFile rather than simple-git: baton
 * only ever needs raw commands, simple-git reports a non-zero exit only when git wrote to
 * stderr, and loading it cost 100–300 ms on every CLI call and worker start.
 */
export function git(dir: string, extraEnv: Record<string, string> = {}): Git {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !REPO_VARS.test(k)) env[k] = v;
  Object.assign(env, extraEnv);
  const raw = (args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile('git', args, { cwd: dir, env, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) {
          const detail = String(stderr).trim() || err.message;
          reject(new Error(`git ${args[0] ?? ''} failed: ${detail}`, { cause: err }));
        } else {
          resolve(String(stdout));
        }
      });
    });
  return {
    raw,
    async checkIgnore(paths) {
      const out = await raw(['check-ignore', '--', ...paths]).catch(() => '');
      return out.split('\n').filter((l) => l !== '');
    },
  };
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
