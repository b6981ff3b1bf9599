/**
 * The lock and worktree checks of `baton doctor`. Each reads the disk (and asks git) and
 * returns findings; none changes anything. The fixes are in doctor.ts.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { isValidSlug } from '../domain/slug.js';
import { ACTIVE_STATES } from '../domain/states.js';
import { gitDirOf } from '../git/repo.js';
import { listWorktrees, type WorktreeEntry } from '../git/worktrees.js';
import { repoLockPath } from '../git/worktree.js';
import { realOrResolved } from '../hooks/layout.js';
import { describeMisplaced, findMisplacedBranches } from '../hooks/misplaced.js';
import type { Liveness } from '../proc/identity.js';
import { inspectLock } from '../store/lock.js';
import { taskPaths } from '../store/paths.js';
import { readStatus } from '../store/status.js';
import { note, problem, type Finding } from './doctor-types.js';
import { taskWorktree, type Repo } from './repo.js';

/** The watcher's lock, next to the repository lock in git's common directory. */
export function watchLockPath(commonDir: string): string {
  return path.join(commonDir, 'baton-watch.lock');
}

/** Slugs with a task file (`tasks/<slug>.md`, valid name), sorted. */
export async function taskSlugs(repo: Repo): Promise<string[]> {
  const names = await fs.readdir(repo.paths.tasksDir).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith('.md') && !n.endsWith('.followup.md'))
    .map((n) => n.slice(0, -3))
    .filter(isValidSlug)
    .sort();
}

/** Tasks whose status says a worker runs with none alive; locks left by dead holders. */
export async function checkLocks(repo: Repo, slugs: string[]): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const slug of slugs) {
    const { worktree } = taskWorktree(repo.config, slug);
    const gitDir = await gitDirOf(worktree).catch(() => null);
    const lock = gitDir === null ? null : await inspectLock(path.join(gitDir, 'baton.lock'));
    const status = await readStatus(taskPaths(repo.paths, slug).statusFile);
    if (lock?.live) continue;
    const rec = lock?.record ?? null;
    const dead = rec !== null && !rec.released;
    if (status !== null && ACTIVE_STATES.has(status.state)) {
      const why = dead
        ? `its worker pid ${rec.holder.pid} (run ${rec.runId}) ${gone(lock?.liveness)} without releasing the lock`
        : 'no worker holds its lock';
      const agent =
        dead && rec.agent
          ? `; its agent pid ${rec.agent.pid} may still run, and the next run's takeover ends it`
          : '';
      out.push(
        problem(
          'worker-gone',
          `Task ${slug} is recorded as ${status.state}, but ${why}${agent}.`,
          `\`baton doctor --fix\` records it as worker_gone; then \`baton continue ${slug}\` resumes it (the lock is taken over then).`,
          { type: 'mark-worker-gone', slug, runId: status.runId },
        ),
      );
    } else if (dead) {
      out.push(
        note(
          'stale-lock',
          `Task ${slug}'s lock is still held by pid ${rec.holder.pid} (run ${rec.runId}), which ${gone(lock?.liveness)}.`,
          'Nothing to do: the next dispatch or continue takes it over.',
        ),
      );
    }
  }
  for (const [what, file] of [
    ['repository lock', repoLockPath(repo.info.commonDir)],
    ['watcher lock', watchLockPath(repo.info.commonDir)],
  ] as const) {
    const lock = await inspectLock(file);
    const rec = lock.record;
    if (rec === null || rec.released || lock.live) continue;
    out.push(
      note(
        'stale-lock',
        `The ${what} ${file} is still held by pid ${rec.holder.pid}, which ${gone(lock.liveness)}.`,
        'Nothing to do: it is taken over on next use.',
      ),
    );
  }
  return out;
}

/** Worktrees without a task, folders git does not know, missing worktrees, misplaced branches. */
export async function checkWorktrees(repo: Repo, slugs: string[]): Promise<Finding[]> {
  const out: Finding[] = [];
  const entries = await listWorktrees(repo.info.root);
  const dir = realOrResolved(repo.config.worktreesDir);
  const known = new Set(entries.map((e) => realOrResolved(e.path)));
  const isTask = (slug: string): boolean => slugs.includes(slug);
  for (const e of entries.slice(1)) {
    const real = realOrResolved(e.path);
    if (e.prunable) {
      if (path.dirname(real) === dir) {
        out.push(
          problem(
            'prunable-worktree',
            `git still lists the worktree ${e.path}, whose folder is gone.`,
            '`git worktree prune` (baton doctor --fix runs it).',
            {
              type: 'prune-worktrees',
            },
          ),
        );
      }
      continue;
    }
    if (!isInside(dir, real)) continue;
    const name = path.relative(dir, real).split(path.sep)[0] ?? '';
    if (path.dirname(real) === dir && isTask(name)) continue;
    out.push(
      problem(
        'orphan-worktree',
        `${e.path} is a worktree in ${dir}, but there is no task ${name} (tasks/${name}.md).`,
        orphanFix(e, name),
      ),
    );
  }
  for (const name of (await fs.readdir(dir).catch(() => [] as string[])).sort()) {
    const p = path.join(dir, name);
    if (
      known.has(realOrResolved(p)) ||
      !(await fs.stat(p).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    )
      continue;
    out.push(
      problem(
        'not-a-worktree',
        `${p} is in the worktrees folder but git does not know it as a worktree${isValidSlug(name) ? `, so \`baton dispatch ${name}\` refuses to use it` : ''}.`,
        `Move it away or delete it (\`rm -r ${p}\`) once nothing in it is needed.`,
      ),
    );
  }
  const misplaced = findMisplacedBranches(
    entries,
    { branchPrefix: repo.config.branchPrefix, worktreesDir: dir },
    { isTask, realpath: realOrResolved },
  );
  for (const m of misplaced) {
    const d = describeMisplaced(m);
    out.push(problem(m.kind, d.message, d.hint));
  }
  return out;
}

function orphanFix(e: WorktreeEntry, name: string): string {
  const save = e.branch ? ` after keeping what you need from branch ${e.branch}` : '';
  const adopt = isValidSlug(name) ? `, or write tasks/${name}.md to make it a task again` : '';
  return `\`git worktree remove ${e.path}\`${save}${adopt}.`;
}

function gone(l: Liveness | undefined): string {
  switch (l) {
    case 'zombie':
      return 'has exited (a zombie)';
    case 'reused':
      return 'has exited (its pid now names another process)';
    case 'rebooted':
      return 'ran before the last reboot';
    default:
      return 'has exited';
  }
}

function isInside(dir: string, p: string): boolean {
  const r = path.relative(dir, p);
  return r !== '' && !r.startsWith('..') && !path.isAbsolute(r);
}
