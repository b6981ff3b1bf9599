/** Asking git where a work tree is, the way a hook run by hand needs it. */
import { git } from './run.js';

/** A work tree's top level, its own git dir and the common dir, as absolute paths. */
export interface GitLocation {
  toplevel: string;
  gitDir: string;
  commonDir: string;
}

/**
 * Where git, started in `cwd` with `env` as it is, would work; null outside a work tree. The
 * repository variables are kept on purpose: a GIT_DIR in `env` is part of the answer.
 */
export async function locateWorkTree(cwd: string, env: NodeJS.ProcessEnv): Promise<GitLocation | null> {
  let out: string;
  try {
    out = await git(cwd, { baseEnv: env, keepRepoVars: true }).raw([
      'rev-parse',
      '--path-format=absolute',
      '--show-toplevel',
      '--absolute-git-dir',
      '--git-common-dir',
    ]);
  } catch {
    return null; // not in a work tree (or a bare repository): nothing for a hook to check
  }
  const [toplevel, gitDir, commonDir] = out.split('\n');
  if (!toplevel || !gitDir || !commonDir) return null;
  return { toplevel, gitDir, commonDir };
}
