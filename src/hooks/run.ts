/**
 * `baton hook <name>`: the I/O shell around rules.ts. Reads where git is and what holds the task
 * locks, asks the rules, and prints a refusal. Returns the exit code; the shim turns
 * HOOK_REFUSED into git's non-zero and treats any other failure as "let git go on".
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import {
  commandLineOf,
  headBranch,
  lockIn,
  locateHook,
  taskExists,
  worktreeGitDir,
  type HookWhere,
} from './facts.js';
import { readLayout } from './layout.js';
import { recordTamper } from './tamper.js';
import { refreshLayoutCache } from './layout-cache.js';
import { gitArgvHasNoVerify } from './git-argv.js';
import { refusedIndexFile } from '../store/hand-staged.js';
import { repoPaths } from '../store/paths.js';
import {
  isHookName,
  judgeCommit,
  judgeRefUpdate,
  movedTaskBranches,
  parseRefUpdates,
  refusedByWorker,
  taskSlugOfBranch,
  taskSlugOfPath,
  type Action,
  type CommitFacts,
  type TaskLayout,
  type Verdict,
} from './rules.js';
import { judgeCheckout } from './misplaced.js';

/** The exit code of a refusal. Distinct from 1, so that a crash is never read as a refusal. */
export const HOOK_REFUSED = 10;

/** One hook invocation. `env` is the hook's environment (read here, once, for the whole run). */
export interface HookRequest {
  name: string;
  args: string[];
  env: Record<string, string | undefined>;
  /** The hook's stdin (reference-transaction's ref updates); read only when needed. */
  readStdin: () => Promise<string>;
  /** Where the refusal is written (stderr). */
  write: (text: string) => void;
}

/** True when the environment says BATON_ALLOW=1 (or true/yes): every rule yields. */
export function isAllowed(env: Record<string, string | undefined>): boolean {
  return /^(1|true|yes)$/i.test(env['BATON_ALLOW'] ?? '');
}

/** Runs one hook: 0 to let git go on, HOOK_REFUSED after printing why not. */
export async function runHook(req: HookRequest): Promise<number> {
  const verdict = await decide(req);
  if (verdict.ok) return 0;
  req.write(`baton: ${verdict.message}\n  ${verdict.hint}\n`);
  return HOOK_REFUSED;
}

const OK: Verdict = { ok: true };

async function decide(req: HookRequest): Promise<Verdict> {
  if (!isHookName(req.name) || isAllowed(req.env)) return OK;
  // post-checkout of files only, and reference-transaction's committed/aborted, decide nothing.
  if (req.name === 'post-checkout' && req.args[2] !== '1') return OK;
  if (req.name === 'reference-transaction' && req.args[0] !== 'prepared') return OK;
  const where = await locateHook(req.env);
  if (where === null || where.root === null || !isManaged(where.root)) return OK;
  const layout = await readLayout(where.root, req.env);
  await refreshLayoutCache(where.commonDir, where.root, req.env);
  const runId = req.env['BATON_RUN_ID'] || null;
  const isTask = taskExists(where.root);
  switch (req.name) {
    case 'pre-commit':
      return preCommit(req, where, layout, runId, isTask);
    case 'pre-merge-commit':
      return commitHere('merge', where, layout, runId, isTask);
    case 'pre-rebase': {
      const here = await commitHere('rebase', where, layout, runId, isTask);
      // `git rebase <upstream> <branch>` names the branch it will move.
      const named = req.args[1];
      if (!here.ok || !named) return here;
      const slug = taskSlugOfBranch(named, layout);
      return slug === null ? OK : refUpdate(named, slug, layout, runId, req.env);
    }
    case 'post-checkout':
      return judgeCheckout(where.toplevel, await headBranch(where.gitDir), where.main, layout, isTask);
    case 'reference-transaction': {
      for (const { branch, slug } of movedTaskBranches(parseRefUpdates(await req.readStdin()), layout)) {
        const verdict = await refUpdate(branch, slug, layout, runId, req.env);
        if (verdict.ok) continue;
        // Refused inside the live task's own worktree: reset --hard, cherry-pick, a fast-forward
        // merge have no earlier hook, so git may already have changed its files. Recorded for
        // the heartbeat to flag (tamper.ts).
        if (where.toplevel === path.join(layout.worktreesDir, slug))
          await recordTamper(where.root, slug, where.toplevel, Number(req.env['BATON_HOOK_GIT_PID']));
        return verdict;
      }
      return OK;
    }
  }
}

/** Only a repository baton manages (baton.yaml, or tasks/logs/ from a dispatch) is checked. */
function isManaged(root: string): boolean {
  return existsSync(path.join(root, 'baton.yaml')) || existsSync(path.join(root, 'tasks', 'logs'));
}

async function commitFacts(
  action: Action,
  where: HookWhere,
  layout: TaskLayout,
  runId: string | null,
  isTask: (slug: string) => boolean,
): Promise<CommitFacts> {
  const [branch, lock] = await Promise.all([headBranch(where.gitDir), lockIn(where.gitDir)]);
  return { action, worktree: where.toplevel, branch, lock, runId, layout, isTask };
}

async function commitHere(
  action: Action,
  where: HookWhere,
  layout: TaskLayout,
  runId: string | null,
  isTask: (slug: string) => boolean,
): Promise<Verdict> {
  return judgeCommit(await commitFacts(action, where, layout, runId, isTask));
}

/**
 * A commit, and what was staged by hand (hand-staged.ts): a live worker's refusal records it and
 * says so; a commit that goes on is compared with the record, when there is one.
 */
async function preCommit(
  req: HookRequest,
  where: HookWhere,
  layout: TaskLayout,
  runId: string | null,
  isTask: (slug: string) => boolean,
): Promise<Verdict> {
  const facts = await commitFacts('commit', where, layout, runId, isTask);
  const verdict = judgeCommit(facts);
  const root = where.root;
  if (root === null) return verdict;
  const slug = taskSlugOfPath(where.toplevel, layout);
  if (!verdict.ok) {
    if (!refusedByWorker(facts)) return verdict;
    const { recordRefusal } = await import('./hand-staged.js');
    const staged = await recordRefusal(root, slug, where.toplevel);
    return staged.length === 0 ? verdict : judgeCommit({ ...facts, staged });
  }
  if (slug !== null && existsSync(refusedIndexFile(repoPaths(root), slug))) {
    const { checkCommit } = await import('./hand-staged.js');
    const indexFile = req.env['BATON_HOOK_INDEX_FILE'] || null;
    const line = await checkCommit({
      root,
      slug,
      worktree: where.toplevel,
      gitDir: where.gitDir,
      indexFile,
      runId,
    });
    if (line !== null) req.write(`${line}\n`);
  }
  return verdict;
}

async function refUpdate(
  branch: string,
  slug: string,
  layout: TaskLayout,
  runId: string | null,
  env: Record<string, string | undefined>,
): Promise<Verdict> {
  const gitDir = await worktreeGitDir(path.join(layout.worktreesDir, slug));
  const lock = gitDir === null ? null : await lockIn(gitDir);
  const verdict = judgeRefUpdate(branch, slug, lock, runId, false);
  if (verdict.ok) return verdict;
  // Only now, about to refuse: did the git command say --no-verify? (commit -n skips pre-commit;
  // its ref update must not then be refused here.)
  const argv = await commandLineOf(Number(env['BATON_HOOK_GIT_PID']));
  return judgeRefUpdate(branch, slug, lock, runId, gitArgvHasNoVerify(argv));
}
