/**
 * The hooks folder baton keeps for task worktrees, `<git common dir>/baton-hooks/`, and the
 * per-worktree `core.hooksPath` that points each task worktree at it.
 *
 * Why a folder of baton's own: a relative `core.hooksPath` (husky's `.husky/_`) names a folder
 * that is generated and git-ignored, so it does not exist in a linked worktree and git runs no
 * hook there at all; and a manager re-run rewrites or deletes what is in its folder. This folder
 * no manager knows about: its shims run baton's check, then chain the main worktree's hook of
 * the same name (resolved to an absolute path), and every other hook the main worktree has is
 * forwarded, so a task worktree runs what the main one runs, plus baton's check, whatever the
 * manager does to its own files meanwhile. The main worktree's config is not changed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

import type { RepoInfo } from '../git/repo.js';
import {
  enableWorktreeConfig,
  setWorktreeHooksPath,
  worktreeConfigEnabled,
  worktreeHooksPath,
} from '../git/worktree-config.js';
import { readLayout } from './layout.js';
import { HOOK_NAMES, isHookName } from './rules.js';
import { renderShims, shQuote, type ShimTarget } from './shim.js';

/** The task worktrees' hooks folder in git's common dir. */
export function taskHooksDir(commonDir: string): string {
  return path.join(commonDir, 'baton-hooks');
}

/** The line a forwarder carries (a hook of the main worktree that baton does not check). */
export const FORWARD_MARKER = '# baton-hook-forward';

/** What baton remembers about its install, in the task hooks folder. */
export interface HooksState {
  /** The main worktree's hooks folder the shims were installed in (absolute). */
  mainDir: string;
  /** `<mtime>:<size>` of git's shared config when mainDir was resolved: a change re-resolves it. */
  configStamp: string;
  /** baton turned extensions.worktreeConfig on (so uninstall turns it off). */
  enabledWorktreeConfig: boolean;
}

const STATE_FILE = 'state.json';

/** baton's install record, or null when baton's hooks are not installed. */
export async function readHooksState(commonDir: string): Promise<HooksState | null> {
  try {
    const text = await fs.readFile(path.join(taskHooksDir(commonDir), STATE_FILE), 'utf8');
    const v = JSON.parse(text) as Partial<HooksState>;
    if (typeof v.mainDir !== 'string' || typeof v.configStamp !== 'string') return null;
    return {
      mainDir: v.mainDir,
      configStamp: v.configStamp,
      enabledWorktreeConfig: v.enabledWorktreeConfig === true,
    };
  } catch {
    return null;
  }
}

/** Records baton's install (atomic: the heartbeat reads it). */
export async function writeHooksState(commonDir: string, state: HooksState): Promise<void> {
  await writeFileAtomic(path.join(taskHooksDir(commonDir), STATE_FILE), `${JSON.stringify(state)}\n`);
}

/** `<mtime>:<size>` of git's shared config: one stat tells whether core.hooksPath may have moved. */
export async function configStamp(commonDir: string): Promise<string> {
  const st = await fs.stat(path.join(commonDir, 'config')).catch(() => null);
  return st === null ? 'none' : `${st.mtimeMs}:${st.size}`;
}

/** A forwarder: runs the main worktree's hook `file` as itself, or nothing when it is gone. */
export function forwarderText(file: string): string {
  const f = shQuote(file);
  return `#!/bin/sh\n${FORWARD_MARKER} -- written by baton: a task worktree runs the main worktree's hook.\n[ -x ${f} ] || exit 0\nexec ${f} "$@"\n`;
}

/** git's hook names (githooks(5), git 2.39), so helper files (husky's `h`) are not forwarded. */
const GIT_HOOKS = new Set([
  'applypatch-msg',
  'pre-applypatch',
  'post-applypatch',
  'pre-commit',
  'pre-merge-commit',
  'prepare-commit-msg',
  'commit-msg',
  'post-commit',
  'pre-rebase',
  'post-checkout',
  'post-merge',
  'pre-push',
  'pre-receive',
  'update',
  'proc-receive',
  'post-receive',
  'post-update',
  'reference-transaction',
  'push-to-checkout',
  'pre-auto-gc',
  'post-rewrite',
  'sendemail-validate',
  'fsmonitor-watchman',
  'p4-changelist',
  'p4-prepare-changelist',
  'p4-post-changelist',
  'p4-pre-submit',
  'post-index-change',
]);

/** Names of the main hooks folder's hooks that a task worktree should forward (not baton's). */
export async function forwardedNames(mainDir: string): Promise<string[]> {
  const names = await fs.readdir(mainDir).catch(() => [] as string[]);
  return names.filter((n) => GIT_HOOKS.has(n) && !isHookName(n)).sort();
}

/**
 * Writes the task hooks folder: baton's shims chaining `mainDir`'s hooks, a forwarder for each
 * other hook there, nothing else. Returns true when it changed a file.
 */
export async function writeTaskHooks(
  commonDir: string,
  mainDir: string,
  target: ShimTarget,
): Promise<boolean> {
  const dir = taskHooksDir(commonDir);
  await fs.mkdir(dir, { recursive: true });
  const wanted = new Map<string, string>();
  const shims = await renderShims(target, mainDir);
  for (const name of HOOK_NAMES) wanted.set(name, shims[name]);
  for (const name of await forwardedNames(mainDir)) wanted.set(name, forwarderText(path.join(mainDir, name)));
  let changed = false;
  for (const [name, text] of wanted) {
    const file = path.join(dir, name);
    const have = await fs.readFile(file, 'utf8').catch(() => null);
    if (have === text) continue;
    await writeFileAtomic(file, text, { mode: 0o755 });
    changed = true;
  }
  for (const name of await fs.readdir(dir)) {
    if (name === STATE_FILE || wanted.has(name) || name.startsWith('.')) continue;
    await fs.rm(path.join(dir, name), { force: true });
    changed = true;
  }
  return changed;
}

/** A linked worktree: its top level and its own git dir. */
export interface LinkedWorktree {
  path: string;
  gitDir: string;
}

/** The linked worktrees under the task layout's worktreesDir, read from git's files (no git). */
export async function taskWorktrees(info: RepoInfo): Promise<LinkedWorktree[]> {
  const { worktreesDir } = await readLayout(info.root, process.env);
  const base = path.join(info.commonDir, 'worktrees');
  const out: LinkedWorktree[] = [];
  for (const id of await fs.readdir(base).catch(() => [] as string[])) {
    const gitDir = path.join(base, id);
    const dotGit = (await fs.readFile(path.join(gitDir, 'gitdir'), 'utf8').catch(() => '')).trim();
    if (dotGit === '') continue;
    const top = await fs.realpath(path.dirname(dotGit)).catch(() => null);
    if (top !== null && path.dirname(top) === worktreesDir) out.push({ path: top, gitDir });
  }
  return out;
}

/**
 * Points task worktree `wt` at the task hooks folder (per-worktree config), when baton's hooks
 * are installed. Reads config.worktree first, so a worktree already pointed costs no git.
 * Returns true when it changed the worktree's config.
 */
export async function pointTaskWorktree(info: RepoInfo, wt: LinkedWorktree): Promise<boolean> {
  const state = await readHooksState(info.commonDir);
  if (state === null) return false;
  const dir = taskHooksDir(info.commonDir);
  if ((await worktreeHooksPath(wt.gitDir)) === dir) return false;
  if (!(await worktreeConfigEnabled(info.root))) {
    await enableWorktreeConfig(info.root);
    await writeHooksState(info.commonDir, { ...state, enabledWorktreeConfig: true });
  }
  await setWorktreeHooksPath(wt.path, dir);
  return true;
}
