/**
 * The file checks of `baton doctor`: temp files of writers that died, claims of ingesters that
 * died, and the tasks/ layout as git sees it. Read-only; the fixes are in doctor.ts.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';

import { isValidSlug } from '../domain/slug.js';
import { ignoredPaths, trackedFiles } from '../git/status.js';
import { problem, type Finding } from './doctor-types.js';
import type { Repo } from './repo.js';

/** Temp files and claims younger than this may belong to a writer that is still at work. */
export const STRAY_AGE_MS = 60_000;

/** Temp files of dead writers (removable) and claims of dead ingesters (left to the ingest). */
export async function checkStrays(repo: Repo, now: number): Promise<Finding[]> {
  const out: Finding[] = [];
  const old = async (p: string): Promise<boolean> => {
    const st = await fs.lstat(p).catch(() => null);
    return st !== null && st.isFile() && now - st.mtimeMs >= STRAY_AGE_MS;
  };
  // write-file-atomic writes `<file>.<32-bit hash in decimal>` and renames it over <file>.
  const temp = (p: string): Finding =>
    problem(
      'stray-temp',
      `${rel(repo, p)} is a temp file left by a writer that stopped before finishing it.`,
      '`baton doctor --fix` removes it.',
      {
        type: 'remove-file',
        path: p,
        olderThanMs: STRAY_AGE_MS,
      },
    );
  for (const [dir, atomic] of [
    [repo.paths.tasksDir, false],
    [repo.paths.logsDir, true],
  ] as const) {
    for (const name of await names(dir)) {
      const isTemp = name.endsWith('.tmp') || (atomic && /\.json\.\d+$/.test(name));
      if (isTemp && (await old(path.join(dir, name)))) out.push(temp(path.join(dir, name)));
    }
  }
  // baton's caches in git's common dir (config, task index, hooks layout) are written the same way.
  for (const name of await names(repo.info.commonDir)) {
    const p = path.join(repo.info.commonDir, name);
    if (isCacheTemp(name) && (await old(p))) out.push(temp(p));
  }
  const inboxes = (await names(repo.paths.inboxRoot)).filter(isValidSlug);
  for (const slug of inboxes) {
    const dir = path.join(repo.paths.inboxRoot, slug);
    for (const name of await names(dir)) {
      const p = path.join(dir, name);
      if (!(await old(p))) continue;
      if (name.startsWith('.claim-')) {
        out.push(
          problem(
            'stale-claim',
            `${rel(repo, p)} is a follow-up for ${slug} claimed by a process that died before moving it into the inbox.`,
            'Run `baton watch --once` (or leave it to the running watcher): its ingest moves it into the inbox; never delete it.',
          ),
        );
      } else if (name.endsWith('.tmp')) {
        out.push(temp(p));
      }
    }
  }
  return out;
}

/** tasks/ and tasks/logs/ exist; tasks/logs/ is ignored by git and nothing in it is tracked. */
export async function checkLayout(repo: Repo): Promise<Finding[]> {
  const out: Finding[] = [];
  const missing = [repo.paths.tasksDir, repo.paths.logsDir].filter((d) => !existsSync(d));
  if (missing.length > 0) {
    out.push(
      problem(
        'missing-dir',
        `${missing.map((d) => `${rel(repo, d)}/`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing.`,
        '`baton doctor --fix` (or `baton init`) creates it.',
        {
          type: 'create-dirs',
        },
      ),
    );
  }
  // A name that is never tracked: check-ignore answers for tracked paths as if nothing ignored them.
  const probe = 'tasks/logs/.baton-doctor-probe';
  const ignored = await ignoredPaths(repo.info.root, [probe]).catch(() => [] as string[]);
  if (ignored.length === 0) {
    out.push(
      problem(
        'logs-not-ignored',
        "tasks/logs/ is not ignored by git, so baton's state and logs would show in `git status` and could be committed.",
        '`baton doctor --fix` (or `baton init`) adds tasks/logs/ to .gitignore.',
        {
          type: 'ignore-logs',
        },
      ),
    );
  }
  const tracked = await trackedFiles(repo.info.root, ['tasks/logs']).catch(() => [] as string[]);
  if (tracked.length > 0) {
    out.push(
      problem(
        'logs-tracked',
        `${tracked.length} file(s) under tasks/logs/ are tracked by git.`,
        'Stop tracking them (they stay on disk): `git rm -r --cached tasks/logs` and commit.',
      ),
    );
  }
  return out;
}

/**
 * A temp file of one of baton's caches in git's common dir: write-file-atomic's
 * `<file>.<32-bit hash in decimal>` (renamed over <file> when whole), or `<file>.<pid>.tmp` of
 * the writers before them. Only `baton-` names: the rest of that folder is git's.
 */
function isCacheTemp(name: string): boolean {
  return /^baton-[\w.-]+\.(\d+|\d+\.tmp)$/.test(name);
}

async function names(dir: string): Promise<string[]> {
  return (await fs.readdir(dir).catch(() => [] as string[])).sort();
}

function rel(repo: Repo, p: string): string {
  return path.relative(repo.info.root, p);
}
