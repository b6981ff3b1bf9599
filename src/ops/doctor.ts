/**
 * `baton doctor`: finds what is wrong with a managed repository (dead workers still recorded as
 * running, worktrees without tasks, misplaced branches, temp files of dead writers, tasks/logs/
 * not ignored, hooks out of place), and with `fix` repairs what is safe to repair. Nothing a
 * person or an agent made is ever deleted: worktrees, branches and claimed follow-ups are only
 * reported, with the command that fixes them.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';

import { ACTIVE_STATES } from '../domain/states.js';
import { repoLockPath } from '../git/worktree.js';
import { worktreePrune } from '../git/worktrees.js';
import { installHooks } from '../hooks/install.js';
import { checkHooks, type HookProblem } from '../hooks/status.js';
import { appendHistory } from '../store/history.js';
import { withRepoLock } from '../store/lock.js';
import { taskPaths } from '../store/paths.js';
import { readStatus, updateStatus } from '../store/status.js';
import { readTaskLock } from './board.js';
import { checkLocks, checkWorktrees, taskSlugs } from './doctor-checks.js';
import { checkLayout, checkStrays } from './doctor-files.js';
import { checkLimits } from './doctor-limits.js';
import { note, problem, type FixAction, type Finding } from './doctor-types.js';
import type { Repo } from './repo.js';
import { notify } from '../notify/notify.js';

export type { Finding, FindingKind } from './doctor-types.js';

/** Runs every check; changes nothing. */
export async function diagnose(repo: Repo, now: Date = new Date()): Promise<Finding[]> {
  const slugs = await taskSlugs(repo);
  return [
    ...(await checkLayout(repo)),
    ...(await checkLocks(repo, slugs)),
    ...(await checkWorktrees(repo, slugs)),
    ...(await checkStrays(repo, now.getTime())),
    ...(await hookFindings(repo)),
    ...(await checkLimits(repo, slugs, now)),
  ];
}

/**
 * Carries out the fix of every finding that has one, each after checking again that it still
 * applies (a worker or a watcher may have acted since). Returns the findings with `fixed` set.
 */
export async function fixFindings(
  repo: Repo,
  findings: Finding[],
  now: Date = new Date(),
): Promise<Finding[]> {
  const done = new Map<string, boolean>();
  const out: Finding[] = [];
  for (const f of findings) {
    if (f.action === null) {
      out.push(f);
      continue;
    }
    // Some fixes (prune, install hooks, create dirs) serve several findings: run them once.
    const key =
      f.action.type === 'remove-file' || f.action.type === 'mark-worker-gone'
        ? JSON.stringify(f.action)
        : f.action.type;
    let ok = done.get(key);
    if (ok === undefined) {
      ok = await applyFix(repo, f.action, now);
      done.set(key, ok);
    }
    out.push({ ...f, fixed: ok });
  }
  if (done.has('install-hooks')) {
    // Judge each hook by what checkHooks says now, not by installHooks having run.
    const left = new Set((await checkHooks(repo)).map((p) => `hook-${p.kind}:${p.message}`));
    // Every hook finding, also those without a fix of their own: the install may have mended them.
    for (const f of out)
      if (f.severity === 'problem' && f.kind.startsWith('hook-') && f.kind !== 'hook-unchecked')
        f.fixed = !left.has(`${f.kind}:${f.message}`);
  }
  return out;
}

async function applyFix(repo: Repo, action: FixAction, now: Date): Promise<boolean> {
  switch (action.type) {
    case 'mark-worker-gone':
      return markWorkerGone(repo, action.slug, action.runId, now);
    case 'remove-file': {
      const st = await fs.lstat(action.path).catch(() => null);
      if (st === null) return true;
      if (!st.isFile() || now.getTime() - st.mtimeMs < action.olderThanMs) return false;
      await fs.rm(action.path, { force: true });
      return true;
    }
    case 'prune-worktrees':
      // Worktree add/remove/prune are serialised by the repository lock (see git/worktree.ts).
      await withRepoLock(repoLockPath(repo.info.commonDir), () => worktreePrune(repo.info.root));
      return true;
    case 'create-dirs':
      await fs.mkdir(repo.paths.logsDir, { recursive: true });
      return true;
    case 'ignore-logs':
      await ignoreLogs(repo.info.root);
      return true;
    case 'install-hooks':
      await installHooks(repo.info.root);
      return true;
  }
}

/**
 * Records a task whose worker died as `worker_gone`, as the heartbeat would: only while the
 * status still says the same run is active and no live worker holds the lock. The lock itself
 * is left alone: the lock protocol hands a dead holder's lock to the next acquirer.
 */
async function markWorkerGone(repo: Repo, slug: string, runId: string | null, now: Date): Promise<boolean> {
  const tp = taskPaths(repo.paths, slug);
  const status = await readStatus(tp.statusFile);
  if (status === null || !ACTIVE_STATES.has(status.state) || status.runId !== runId) return true;
  const lock = await readTaskLock(repo, slug);
  if (lock?.live) return true;
  const error = `the worker${status.pid === null ? '' : ` (pid ${status.pid})`} ended without recording an outcome; found by baton doctor`;
  await updateStatus(tp.statusFile, slug, { state: 'worker_gone', pid: null, agentPid: null, error }, now);
  const recorded = await appendHistory(
    tp.historyFile,
    'state_changed',
    runId,
    { from: status.state, to: 'worker_gone', by: 'doctor', reason: error },
    now,
  );
  notify(repo, {
    event: 'worker_gone',
    slug,
    state: 'worker_gone',
    runId,
    ts: recorded.ts,
    by: 'doctor',
    detail: error,
  });
  return true;
}

async function ignoreLogs(root: string): Promise<void> {
  const file = path.join(root, '.gitignore');
  const text = existsSync(file) ? await fs.readFile(file, 'utf8') : '';
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  await fs.appendFile(file, `${sep}# baton's state, logs and inbox (see baton status)\ntasks/logs/\n`);
}

/** Hook problems, from the hooks module. Problems of the hooks folder itself need a person. */
async function hookFindings(repo: Repo): Promise<Finding[]> {
  let problems: HookProblem[];
  try {
    problems = await checkHooks(repo);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return [
      note(
        'hook-unchecked',
        `The git hooks could not be checked: ${why}`,
        'Run `baton hooks status` to see why.',
      ),
    ];
  }
  return problems.map((p) => {
    // Everything but a hooks folder that is not a folder: installHooks chains, moves and rewrites.
    const repairable = p.kind !== 'unusable-hooks-dir';
    return problem(`hook-${p.kind}`, p.message, p.hint, repairable ? { type: 'install-hooks' } : null);
  });
}

/** True when a problem remains (notes do not count). */
export function unhealthy(findings: Finding[]): boolean {
  return findings.some((f) => f.severity === 'problem' && !f.fixed);
}
