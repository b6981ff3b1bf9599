/**
 * The hooks folder git really uses: `core.hooksPath` when set (absolute, `~/`, or relative), else
 * `<common dir>/hooks`. A relative hooksPath is resolved by git in each worktree on its own; baton
 * resolves it against the main worktree, where `baton init` runs, and says so (see checkHooks).
 */
import path from 'node:path';

import { configPath } from '../git/config.js';
import type { RepoInfo } from '../git/repo.js';

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
  const set = await configPath(info.root, 'core.hooksPath');
  // An empty core.hooksPath is as good as none: git then uses the common dir's hooks/.
  if (set === null || set.value === '')
    return { dir: path.join(info.commonDir, 'hooks'), configured: null, scope: null };
  return { dir: path.resolve(info.root, set.value), configured: set.value, scope: set.scope };
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
