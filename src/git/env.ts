/**
 * The environment baton runs git (and its agents) in. git exports variables that point a child
 * git at the repository the parent is working on; a hook runs with them set (GIT_DIR in a linked
 * worktree's pre-commit, GIT_INDEX_FILE during `commit -a`...), and any git that baton or an agent
 * starts from there would act on that repository and index instead of the one it was pointed at.
 */

/**
 * The variables removed before baton starts git or an agent: what `git rev-parse
 * --local-env-vars` prints (git 2.39; git itself clears these when it moves into a submodule),
 * plus GIT_NAMESPACE. The hook shims in hooks/ unset the same list (a test compares them).
 */
export const GIT_REPO_VARS: readonly string[] = [
  // Which repository, work tree and index: set by git for hooks in linked worktrees and by
  // `commit -a`/`commit <paths>` (a temporary index); followed, they commit into the wrong place.
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_IMPLICIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_INDEX_FILE',
  // Where objects are read and written: another repository's object store.
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  // The subdirectory the parent git was started in: wrong for any other cwd.
  'GIT_PREFIX',
  'GIT_INTERNAL_SUPER_PREFIX',
  // Configuration given to the parent (`git -c`, GIT_CONFIG=file): meant for that command only.
  'GIT_CONFIG',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
  // History rewriting of the parent repository (grafts, replace refs, shallow file).
  'GIT_GRAFT_FILE',
  'GIT_NO_REPLACE_OBJECTS',
  'GIT_REPLACE_REF_BASE',
  'GIT_SHALLOW_FILE',
  // Which ref namespace: not in git's list, but it re-roots every ref name baton reads.
  'GIT_NAMESPACE',
];

/** True when `name` is one of GIT_REPO_VARS. */
export function isRepoVar(name: string): boolean {
  return GIT_REPO_VARS.includes(name);
}

/** `env` without GIT_REPO_VARS and without unset entries (a copy; `env` is not changed). */
export function withoutRepoVars(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !isRepoVar(k)) out[k] = v;
  return out;
}
