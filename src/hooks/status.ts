/**
 * Are baton's hooks in place? `baton hooks status` prints it; `baton doctor` calls checkHooks.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { RepoInfo } from '../git/repo.js';
import { isRelativeHooksPath, resolveHooksDir, shownPath, type HooksDir } from './hooks-dir.js';
import { readHookFiles, type HookFile } from './install.js';
import { HOOK_NAMES, type HookName } from './rules.js';
import { CHAINED_SUFFIX, currentTarget, renderShims, type ShimTarget } from './shim.js';
import { readHooksState, taskHooksDir } from './task-hooks.js';

/** Why a hook does not protect the repository as it should. */
export type HookProblemKind =
  /** No hook file: git runs nothing. */
  | 'missing'
  /** Another hook took the shim's place (a hook manager regenerating its files, say). */
  | 'replaced'
  /** A shim of another baton install or version: it may point at a baton that is gone. */
  | 'stale'
  /** The shim is not executable: git skips it (with a hint at most). */
  | 'not-executable'
  /** core.hooksPath is relative and task worktrees have no folder of their own yet. */
  | 'relative-hooks-path'
  /** core.hooksPath names another folder than the one baton installed in (a manager moved it). */
  | 'moved'
  /** The task worktrees' folder (`<common dir>/baton-hooks`) lacks a shim or chains the wrong folder. */
  | 'task-hooks'
  /** The hooks folder cannot be used (not a folder). */
  | 'unusable-hooks-dir';

/** One problem, with the sentence that says it and the command that fixes it. */
export interface HookProblem {
  /** The hook concerned; null for problems of the whole folder. */
  hook: HookName | null;
  kind: HookProblemKind;
  path: string;
  message: string;
  hint: string;
}

/** The hooks folder and each hook's file. */
export interface HooksReport {
  hooks: HooksDir;
  files: HookFile[];
  /** What git runs for each hook in the main worktree, one phrase each (see runsOf). */
  runs: Record<HookName, string>;
  /** The task worktrees' hooks folder, when baton's hooks are installed with it. */
  taskDir: string | null;
  problems: HookProblem[];
}

/** Every problem with the repository's baton hooks; [] when all are in place. */
export async function checkHooks(
  repo: { info: RepoInfo },
  target: ShimTarget = currentTarget(),
): Promise<HookProblem[]> {
  return (await inspectHooks(repo.info, target)).problems;
}

/** The hooks folder, what is in it, and what is wrong. */
export async function inspectHooks(
  info: RepoInfo,
  target: ShimTarget = currentTarget(),
): Promise<HooksReport> {
  const hooks = await resolveHooksDir(info);
  const where = shownPath(info.root, hooks.dir);
  const st = await fs.stat(hooks.dir).catch(() => null);
  if (st !== null && !st.isDirectory()) {
    return {
      hooks,
      files: [],
      runs: {} as Record<HookName, string>,
      taskDir: null,
      problems: [
        {
          hook: null,
          kind: 'unusable-hooks-dir',
          path: hooks.dir,
          message: `The hooks folder ${where} (core.hooksPath) is not a folder, so git runs no hooks at all.`,
          hint: 'Point core.hooksPath at a folder (or unset it: `git config --unset core.hooksPath`), then run `baton hooks install`.',
        },
      ],
    };
  }
  const files = await readHookFiles(hooks.dir);
  const problems: HookProblem[] = [];
  const shims = await renderShims(target);
  const runs = {} as Record<HookName, string>;
  for (const f of files) {
    const p = problemOf(f, info.root, shims[f.name]);
    if (p !== null) problems.push(p);
    runs[f.name] = runsOf(f);
  }
  const state = await readHooksState(info.commonDir);
  const taskDir = state === null ? null : taskHooksDir(info.commonDir);
  if (state !== null && state.mainDir !== hooks.dir) {
    problems.push({
      hook: null,
      kind: 'moved',
      path: hooks.dir,
      message: `core.hooksPath now names ${where}, but baton's hooks were installed in ${shownPath(info.root, state.mainDir)}: something (a hook manager) moved it.`,
      hint: 'Run `baton hooks install`: it installs them where git looks now and removes the old ones.',
    });
  }
  if (taskDir !== null) problems.push(...(await taskDirProblems(info, taskDir, hooks.dir, target)));
  else if (isRelativeHooksPath(hooks)) {
    problems.push({
      hook: null,
      kind: 'relative-hooks-path',
      path: hooks.dir,
      message: `core.hooksPath (${hooks.configured}) is relative, so git looks for hooks in each worktree's own ${hooks.configured}, and task worktrees run none of baton's.`,
      hint: "Run `baton hooks install`: task worktrees then get a hooks folder of their own (per-worktree config), and the main worktree's setting stays as it is.",
    });
  }
  return { hooks, files, runs, taskDir, problems };
}

/** What git runs for hook `f` in the main worktree, said plainly. Pure. */
export function runsOf(f: HookFile): string {
  const chained = f.chained ? `, then ${path.basename(f.path)}${CHAINED_SUFFIX}` : '';
  switch (f.state) {
    case 'absent':
      return 'nothing (no hook file)';
    case 'shim':
      return f.executable ? `baton's check${chained}` : 'nothing (not executable)';
    case 'foreign':
      return f.legacyShim
        ? `${f.name} (not baton's), which runs baton's check kept as ${f.name}.legacy (pre-commit's migration mode)`
        : `${f.name} only (not baton's): baton's check does not run`;
  }
}

/** The task worktrees' folder: each shim in place and chaining the main hooks folder. */
async function taskDirProblems(
  info: RepoInfo,
  dir: string,
  mainDir: string,
  target: ShimTarget,
): Promise<HookProblem[]> {
  const shims = await renderShims(target, mainDir);
  const out: HookProblem[] = [];
  for (const name of HOOK_NAMES) {
    const file = path.join(dir, name);
    const text = await fs.readFile(file, 'utf8').catch(() => null);
    if (text === shims[name]) continue;
    out.push({
      hook: name,
      kind: 'task-hooks',
      path: file,
      message: `${shownPath(info.root, file)} (the task worktrees' ${name} hook) is ${text === null ? 'missing' : 'not the one this baton writes'}, so task worktrees may not run baton's check.`,
      hint: 'Run `baton hooks install`.',
    });
  }
  return out;
}

/** What is wrong with hook file `f`, given the shim this baton would install there. */
function problemOf(f: HookFile, root: string, shim: string): HookProblem | null {
  const where = shownPath(root, f.path);
  const base = { hook: f.name, path: f.path };
  switch (f.state) {
    case 'absent':
      return {
        ...base,
        kind: 'missing',
        message: `The ${f.name} hook is missing (${where}), so git does not run baton's check there.`,
        hint: 'Install it: `baton hooks install`.',
      };
    case 'foreign':
      // pre-commit's migration mode: its hook runs baton's shim, kept as <name>.legacy.
      if (f.legacyShim) return null;
      return {
        ...base,
        kind: 'replaced',
        message: `${where} is not baton's hook any more: something replaced it, so baton's ${f.name} check does not run.`,
        hint: "Run `baton hooks install`: it keeps that hook running, chained behind baton's.",
      };
    case 'shim':
      if (f.text !== shim) {
        return {
          ...base,
          kind: 'stale',
          message: `${where} was installed by another baton (or version), which may no longer be there.`,
          hint: 'Run `baton hooks install` to point it at this baton.',
        };
      }
      if (!f.executable) {
        return {
          ...base,
          kind: 'not-executable',
          message: `${where} is not executable, so git skips it.`,
          hint: `Run \`chmod +x ${f.path}\` or \`baton hooks install\`.`,
        };
      }
      return null;
  }
}
