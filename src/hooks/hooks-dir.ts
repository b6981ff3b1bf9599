/**
 * The hooks folder git really uses: `core.hooksPath` when set (absolute, `~/`, or relative), else
 * `<common dir>/hooks`. A relative hooksPath is resolved by git in each worktree on its own; baton
 * resolves it against the main worktree, where `baton init` runs, and says so (see checkHooks).
 */
import path from 'node:path';

import { git, type RepoInfo } from '../git/repo.js';

/** Where the hooks are, and why there. */
export interface HooksDir {
  /** Absolute path of the folder. */
  dir: string;
  /** core.hooksPath as written in config; null when git uses the common dir's hooks/. */
  configured: string | null;
  /** The config scope that set it (local, global, system, worktree, command); null when unset. */
  scope: string | null;
}

/** The hooks folder of the repository. */
export async function resolveHooksDir(info: RepoInfo): Promise<HooksDir> {
  // git config exits 1 with no output when the key is unset: that is ''.
  const out = await git(info.root)
    .raw(['config', '--show-scope', '--type=path', '--get', 'core.hooksPath'])
    .catch(() => '');
  const line = out.replace(/\n$/, '');
  const tab = line.indexOf('\t');
  const value = tab < 0 ? line : line.slice(tab + 1);
  if (value === '') return { dir: path.join(info.commonDir, 'hooks'), configured: null, scope: null };
  return {
    dir: path.resolve(info.root, value),
    configured: value,
    scope: tab < 0 ? null : line.slice(0, tab),
  };
}

/** True when core.hooksPath is relative, so linked worktrees look for hooks in their own copy. */
export function isRelativeHooksPath(h: HooksDir): boolean {
  return h.configured !== null && !path.isAbsolute(h.configured);
}

/** `dir` for messages: relative to the repository root when inside it. */
export function shownPath(root: string, p: string): string {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}
