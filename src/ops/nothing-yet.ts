/**
 * What `baton history` and `baton logs` say when a task has nothing to show: an unknown task is
 * an error (exit 4), a known one that has not run gets a line saying what starts it, fitted to
 * its state, so that the line never points at a command that would refuse.
 */
import { existsSync } from 'node:fs';
import { BatonError } from '../domain/errors.js';
import { taskPaths } from '../store/paths.js';
import { loadTaskFile } from '../store/taskfiles.js';
import type { Repo } from './repo.js';

/**
 * Throws UNKNOWN_TASK when `slug` has no task file and none of `traces` (the files a task that
 * ran leaves: its history, its log) exists. A deleted task file with a history is still known.
 */
export function assertKnownTask(repo: Repo, slug: string, traces: string[]): void {
  const tp = taskPaths(repo.paths, slug);
  if (existsSync(tp.taskFile) || traces.some((f) => existsSync(f))) return;
  throw new BatonError(
    'UNKNOWN_TASK',
    `There is no task ${slug}: tasks/${slug}.md does not exist and it never ran.`,
    {
      hint: `Write tasks/${slug}.md (front matter, then the prompt), or see \`baton status\` for the tasks there are.`,
    },
  );
}

/**
 * `No <what> for <slug> yet`, and when its task file says why, what starts it: a draft needs
 * `status: ready` (dispatch refuses drafts), a ready task that never ran the watcher or a dispatch.
 */
export async function nothingYet(repo: Repo, slug: string, what: 'history' | 'log'): Promise<string> {
  const head = `No ${what} for ${slug} yet`;
  const tp = taskPaths(repo.paths, slug);
  if (!existsSync(tp.taskFile)) return `${head}.`;
  const loaded = await loadTaskFile(repo.info.root, `${slug}.md`);
  if (!loaded.ok) return `${head}: tasks/${slug}.md cannot be used as it is; \`baton status\` says why.`;
  // A task with a status file was dispatched: there is nothing more useful to add.
  if (existsSync(tp.statusFile)) return `${head}.`;
  switch (loaded.value.status) {
    case 'draft':
      return `${head}: it is a draft; set \`status: ready\` in tasks/${slug}.md, then the watcher (or \`baton dispatch ${slug}\`) starts it.`;
    case 'ready':
      return `${head}: it has not run; a running watcher starts it, or \`baton dispatch ${slug}\` does now.`;
    case 'done':
    case 'cancelled':
      return `${head}: it is ${loaded.value.status} and never ran.`;
  }
}
