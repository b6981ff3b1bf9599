/**
 * Are baton's hooks in place? `baton hooks status` prints it; `baton doctor` calls checkHooks.
 */
import { promises as fs } from 'node:fs';

import type { RepoInfo } from '../git/repo.js';
import { isRelativeHooksPath, resolveHooksDir, shownPath, type HooksDir } from './hooks-dir.js';
import { readHookFiles, type HookFile } from './install.js';
import type { HookName } from './rules.js';
import { currentTarget, renderShims, type ShimTarget } from './shim.js';

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
  /** core.hooksPath is relative: each worktree looks in its own copy of that folder. */
  | 'relative-hooks-path'
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
  for (const f of files) {
    const p = problemOf(f, info.root, shims[f.name]);
    if (p !== null) problems.push(p);
  }
  if (isRelativeHooksPath(hooks)) {
    problems.push({
      hook: null,
      kind: 'relative-hooks-path',
      path: hooks.dir,
      message: `core.hooksPath (${hooks.configured}) is relative, so git looks for hooks in each worktree's own ${hooks.configured}, and task worktrees may run none of baton's.`,
      hint: `Make it absolute: \`git config core.hooksPath ${hooks.dir}\`.`,
    });
  }
  return { hooks, files, problems };
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
