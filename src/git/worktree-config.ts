/**
 * Per-worktree config (`extensions.worktreeConfig`, `<git dir>/config.worktree`): how a task
 * worktree gets its own absolute `core.hooksPath` without changing what the main worktree (or
 * any other) runs. git 2.39 honours `extensions.worktreeConfig` with repositoryformatversion 0,
 * so enabling it leaves the repository's format version alone.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { git } from './run.js';

/** True when `extensions.worktreeConfig` is on in the repository's own config. */
export async function worktreeConfigEnabled(root: string): Promise<boolean> {
  // `config --get` exits 1 when the key is unset: that is false.
  const r = await git(root).exit(
    ['config', '--local', '--type=bool', '--get', 'extensions.worktreeConfig'],
    [1],
  );
  return r.exitCode === 0 && r.stdout.trim() === 'true';
}

/** Turns `extensions.worktreeConfig` on in the repository's own config. */
export async function enableWorktreeConfig(root: string): Promise<void> {
  await git(root).raw(['config', '--local', 'extensions.worktreeConfig', 'true']);
}

/**
 * Removes `extensions.worktreeConfig` from the repository's own config (no error when unset), and
 * the `[extensions]` header git leaves behind when nothing else is in it.
 */
export async function disableWorktreeConfig(root: string): Promise<void> {
  // `--unset` exits 5 when the key is not there.
  await git(root).exit(['config', '--local', '--unset', 'extensions.worktreeConfig'], [5]);
  const rest = await git(root).exit(['config', '--local', '--get-regexp', '^extensions\\.'], [1]);
  if (rest.exitCode === 1)
    await git(root).exit(['config', '--local', '--remove-section', 'extensions'], [128]);
}

/** The `core.hooksPath` a worktree's own config.worktree sets, or null (read from the file, no git). */
export async function worktreeHooksPath(worktreeGitDir: string): Promise<string | null> {
  const text = await fs.readFile(path.join(worktreeGitDir, 'config.worktree'), 'utf8').catch(() => '');
  let inCore = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) inCore = /^\[core\]$/i.test(line);
    else if (inCore) {
      const m = /^hookspath\s*=\s*(.*)$/i.exec(line);
      if (m?.[1] !== undefined) return m[1].replace(/^"(.*)"$/, '$1');
    }
  }
  return null;
}

/** Sets `core.hooksPath` in worktree `worktree`'s own config (extensions.worktreeConfig must be on). */
export async function setWorktreeHooksPath(worktree: string, dir: string): Promise<void> {
  await git(worktree, { allowHooksPath: true }).raw(['config', '--worktree', 'core.hooksPath', dir]);
}

/**
 * Removes `core.hooksPath` from worktree `worktree`'s own config, and the config.worktree file
 * when nothing else is left in it (git leaves an empty file or an empty `[core]`).
 */
export async function unsetWorktreeHooksPath(worktree: string, worktreeGitDir: string): Promise<void> {
  const file = path.join(worktreeGitDir, 'config.worktree');
  // Edited as a file: with extensions.worktreeConfig already off, `git config --worktree` would
  // write the shared config instead.
  const text = await fs.readFile(file, 'utf8').catch(() => null);
  if (text === null) return;
  // `--unset-all` exits 5 when the key is not there.
  await git(worktree, { allowHooksPath: true }).exit(
    ['config', '--file', file, '--unset-all', 'core.hooksPath'],
    [5],
  );
  const left = await fs.readFile(file, 'utf8').catch(() => '');
  if (/^\s*(\[core\]\s*)?$/i.test(left)) await fs.rm(file, { force: true });
}
