/** Opening the managed repository: where it is, its config, its paths. */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { BatonError } from '../domain/errors.js';
import { slugProblem } from '../domain/slug.js';
import type { Task } from '../domain/types.js';
import { findRepo, type RepoInfo } from '../git/repo.js';
import { repoPaths, type RepoPaths } from '../store/paths.js';
import { loadTaskFile } from '../store/taskfiles.js';
import { existsSync, statSync } from 'node:fs';
import { formatProblem } from '../domain/errors.js';

/**
 * An opened repository: a plain value (what git says, the config, the paths), copied freely.
 * Live resources such as the watcher's standby pool are passed beside it, never inside it.
 */
export interface Repo {
  info: RepoInfo;
  config: Config;
  paths: RepoPaths;
}

/**
 * Finds the repository around `cwd` and loads its config. A repository `baton init` never set
 * up is refused (NOT_INITIALISED) before anything is read or written, so that no command but
 * `init` (and `doctor`, which opts out to report and fix it) creates baton's files there.
 */
export async function openRepo(cwd: string, opts: { setUp?: 'required' | 'optional' } = {}): Promise<Repo> {
  const info = await findRepo(cwd);
  const paths = repoPaths(info.root);
  if (opts.setUp !== 'optional') assertSetUp(paths);
  const config = await loadConfig(info.root);
  return { info, config, paths };
}

/**
 * Throws NOT_INITIALISED unless the repository is set up for baton. Set up means its main
 * worktree has a `tasks/` folder: `baton init` makes it, every command reads and writes there,
 * and a baton.yaml alone (with no tasks/) still lacks the folder `init` would make and ignore.
 */
export function assertSetUp(paths: RepoPaths): void {
  if (isFolder(paths.tasksDir)) return;
  throw new BatonError(
    'NOT_INITIALISED',
    'This repository is not set up for baton (no tasks/ folder): run `baton init` first.',
    { hint: '`baton init` creates tasks/, tasks/logs/ (ignored by git) and a commented baton.yaml.' },
  );
}

function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Throws a usage error when `slug` is not a valid slug. */
export function assertSlug(slug: string): void {
  const problem = slugProblem(slug);
  if (problem)
    throw new BatonError('BAD_SLUG', `${capitalise(problem)}.`, {
      hint: 'Name tasks like tasks/fix-login.md.',
    });
}

/** Loads a valid task by slug: unknown task → exit 4, unusable file → the problems. */
export async function loadTask(repo: Repo, slug: string): Promise<Task> {
  assertSlug(slug);
  const file = path.join(repo.paths.tasksDir, `${slug}.md`);
  if (!existsSync(file)) {
    throw new BatonError('UNKNOWN_TASK', `There is no task ${slug}: tasks/${slug}.md does not exist.`, {
      hint: `Write tasks/${slug}.md (front matter, then the prompt), or see \`baton status\` for the tasks there are.`,
    });
  }
  const loaded = await loadTaskFile(repo.info.root, `${slug}.md`);
  if (!loaded.ok) {
    throw new BatonError(
      'BAD_TASK',
      `tasks/${slug}.md cannot be used: ${loaded.error.map(formatProblem).join('; ')}.`,
      {
        hint: 'Fix the file in place; `baton status` shows it as invalid until then.',
      },
    );
  }
  return loaded.value;
}

/** The worktree and branch of a task. */
export function taskWorktree(config: Config, slug: string): { worktree: string; branch: string } {
  return { worktree: path.join(config.worktreesDir, slug), branch: `${config.branchPrefix}${slug}` };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
