/**
 * Finding an executable the way `spawn` (execvp) would, without starting it: used by the
 * preflight (to say in one sentence what is wrong before anything starts) and by the agent run
 * (which starts the agent through a tiny shell trampoline, so a missing command must be caught
 * before the shell would report it as exit 127).
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The program an agent's argv[0] (or `bin`) names, as a path to look for: one with a slash that
 * is not absolute (`./scripts/agent.sh`) is relative to the repository root (`root`, the main
 * worktree, where baton.yaml is), as `worktreesDir` is; a bare name (looked up on PATH) or an
 * absolute path is returned as it is. The preflight check and the run both resolve through
 * here, so what was checked is what runs, whichever worktree the agent runs in.
 */
export function programPath(command: string, root: string): string {
  return command.includes('/') && !path.isAbsolute(command) ? path.resolve(root, command) : command;
}

/** How an executable was looked for and what was found. */
export type ExecutableLookup =
  | { ok: true; path: string }
  | { ok: false; reason: 'not-on-path' | 'missing' | 'not-executable' | 'directory'; path: string | null };

/**
 * Finds `command` the way `spawn` (execvp) does: a name with a slash is a path (relative to
 * `cwd`); a bare name is looked for in each PATH entry, an empty entry meaning `cwd`. Pure but
 * for stat and access calls.
 */
export function findExecutable(command: string, pathVar: string, cwd?: string): ExecutableLookup {
  if (command === '') return { ok: false, reason: 'missing', path: null };
  if (command.includes('/')) {
    if (!path.isAbsolute(command) && cwd === undefined) return { ok: true, path: command };
    return judge(path.resolve(cwd ?? '/', command));
  }
  let sawNonExecutable: string | null = null;
  for (const dir of pathVar.split(path.delimiter)) {
    if (dir === '' && cwd === undefined) continue;
    const candidate = path.resolve(dir === '' ? (cwd ?? '.') : dir, command);
    const verdict = judge(candidate);
    if (verdict.ok) return verdict;
    if (verdict.reason === 'not-executable') sawNonExecutable ??= candidate;
  }
  // execvp skips a file it cannot execute and goes on; if nothing else is found it says EACCES.
  return sawNonExecutable === null
    ? { ok: false, reason: 'not-on-path', path: null }
    : { ok: false, reason: 'not-executable', path: sawNonExecutable };
}

function judge(file: string): ExecutableLookup {
  let isDir: boolean;
  try {
    isDir = statSync(file).isDirectory();
  } catch {
    return { ok: false, reason: 'missing', path: file };
  }
  if (isDir) return { ok: false, reason: 'directory', path: file };
  try {
    accessSync(file, constants.X_OK);
    return { ok: true, path: file };
  } catch {
    return { ok: false, reason: 'not-executable', path: file };
  }
}
