/**
 * The facts a hook decides on, read straight from the files git and baton keep. A hook is paid
 * for by every commit, so nothing here spawns git on the usual path, and modules are loaded only
 * when needed (not even git/repo.ts, nor simple-git behind src/git/run.ts, which costs ~35 ms to
 * load: only a hook run by hand asks git; the lock code only when there is a lock).
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';

import { repoPaths, taskPaths } from '../store/paths.js';
import type { LockView } from './rules.js';

/** The branch HEAD names in a git dir (short name), or null when detached or unreadable. */
export async function headBranch(gitDir: string): Promise<string | null> {
  try {
    const head = await fs.readFile(path.join(gitDir, 'HEAD'), 'utf8');
    const m = /^ref: refs\/heads\/(.+)$/m.exec(head);
    return m?.[1]?.trim() ?? null;
  } catch {
    return null;
  }
}

/**
 * A worktree's own git dir, from its `.git` file (as git/repo.ts `gitDirOf`, without loading
 * the rest of git/repo.ts). Null when there is no worktree there.
 */
export async function worktreeGitDir(worktree: string): Promise<string | null> {
  const dotGit = path.join(worktree, '.git');
  try {
    const st = await fs.lstat(dotGit);
    if (st.isDirectory()) return dotGit;
    const m = /^gitdir: (.+)$/m.exec(await fs.readFile(dotGit, 'utf8'));
    return m?.[1] ? path.resolve(worktree, m[1].trim()) : null;
  } catch {
    return null;
  }
}

/**
 * The baton lock in a worktree's git dir, as the rules see it; null when there is none. What
 * store/lock.ts `inspectLock` reads, without loading the lock's writers when there is no lock.
 */
export async function lockIn(gitDir: string): Promise<LockView | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(gitDir, 'baton.lock'), 'utf8');
  } catch {
    return null;
  }
  const [{ describeHolder, parseLockRecord }, { liveness }] = await Promise.all([
    import('../store/lock-record.js'),
    import('../proc/identity.js'),
  ]);
  const record = parseLockRecord(text);
  if (record === null) return null;
  const live = !record.released && (await liveness(record.holder)) === 'alive';
  return { live, runId: record.runId, slug: record.slug, holder: describeHolder(record) };
}

/** A predicate telling whether `slug` is a task of the repository at `root` (file or state exists). */
export function taskExists(root: string): (slug: string) => boolean {
  const paths = repoPaths(root);
  return (slug) => {
    const t = taskPaths(paths, slug);
    return existsSync(t.taskFile) || existsSync(t.statusFile);
  };
}

/**
 * The command line of process `pid` (the git that runs the hook), or [] when it cannot be read.
 * Linux reads /proc; elsewhere `ps` gives it as one string, split on spaces (enough for flags).
 */
export async function commandLineOf(pid: number): Promise<string[]> {
  if (!Number.isSafeInteger(pid) || pid <= 1) return [];
  try {
    if (process.platform === 'linux') {
      const args = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      if (args.at(-1) === '') args.pop();
      return args;
    }
    const { runText } = await import('../proc/exec.js');
    return (await runText('ps', ['-o', 'command=', '-p', String(pid)])).trim().split(/\s+/);
  } catch {
    return [];
  }
}

/** Where a hook fired: the worktree, its own git dir, the common dir, and the main worktree. */
export interface HookWhere {
  toplevel: string;
  gitDir: string;
  commonDir: string;
  /** The main worktree (where tasks/ lives); null when the layout is too unusual to tell. */
  root: string | null;
  /** This worktree is the main one. */
  main: boolean;
}

/**
 * Where the hook fired, from the shim's BATON_HOOK_* variables, or by asking git when they are
 * missing (`baton hook` run by hand). Paths come back real. Null outside a work tree.
 */
export async function locateHook(env: Record<string, string | undefined>): Promise<HookWhere | null> {
  let top = env['BATON_HOOK_TOPLEVEL'];
  let gitDir = env['BATON_HOOK_GIT_DIR'];
  let common = env['BATON_HOOK_COMMON_DIR'];
  if (!top || !gitDir || !common) {
    const { locateWorkTree } = await import('../git/locate.js');
    const found = await locateWorkTree(process.cwd(), env);
    if (found === null) return null;
    ({ toplevel: top, gitDir, commonDir: common } = found);
  }
  const [toplevel, realGitDir, commonDir] = await Promise.all([real(top), real(gitDir), real(common)]);
  const main = realGitDir === commonDir;
  let root: string | null = null;
  if (main) root = toplevel;
  else if (path.basename(commonDir) === '.git') root = path.dirname(commonDir);
  return { toplevel, gitDir: realGitDir, commonDir, root, main };
}

async function real(p: string): Promise<string> {
  return fs.realpath(p).catch(() => path.resolve(p));
}
