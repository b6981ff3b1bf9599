/**
 * Finding the managed repository and its git directories. Every function takes the directory
 * to run in; none caches.
 */
import { promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';
import { BatonError } from '../domain/errors.js';
import { resolveCommit } from './refs.js';
import { git } from './run.js';

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
  if ((await resolveCommit(root, 'HEAD')) === null) {
    throw new BatonError(
      'NO_COMMITS',
      `The repository at ${root} has no commits yet, so no task branch can start from it.`,
      {
        hint: 'Make a first commit (`git commit --allow-empty -m init`), then dispatch again.',
      },
    );
  }
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
