/**
 * The gate a dispatch of a task with `after:` passes (docs/design.md, "Task dependencies"), apart
 * from ops/dependencies.ts because it reads the whole board, and the board reads dependencies:
 * kept here, the two modules import each other no more.
 */
import { describeUnmet } from '../domain/dependencies.js';
import { BatonError } from '../domain/errors.js';
import { crashPoint } from '../proc/crash.js';
import { appendHistory } from '../store/history.js';
import { taskPaths } from '../store/paths.js';
import type { Repo } from './repo.js';

/**
 * The gate a dispatch of a task with `after:` passes (ops/dispatch.ts): it reads the board,
 * refuses a task still blocked (TASK_BLOCKED, unless `force`) or whose `after:` can never be
 * met (BAD_TASK), and records `unblocked` in the task's history before the dispatch goes on. A
 * task that ran before is past its dependencies and passes.
 */
export async function assertUnblocked(
  repo: Repo,
  slug: string,
  opts: { force: boolean; by: 'watcher' | 'dispatch' },
): Promise<void> {
  const { readBoard } = await import('./board.js'); // only tasks with after: pay for a board read
  const t = (await readBoard(repo)).tasks.find((x) => x.slug === slug);
  if (t?.task == null || t.task.after.length === 0) return;
  const { after, afterMerge } = t.task;
  if (t.state === 'invalid')
    throw new BatonError('BAD_TASK', `${t.error ?? `${t.file} is invalid`}.`, {
      hint: `Fix after: in ${t.file}; \`baton status\` shows it as invalid until then.`,
    });
  if (t.state === 'blocked') {
    const on = t.blockedOn ?? [];
    if (!opts.force)
      throw new BatonError('TASK_BLOCKED', `Task ${slug} waits for ${describeUnmet(on)}.`, {
        hint: `The watcher dispatches it once they are done${afterMerge ? ' and merged' : ''}; \`baton dispatch ${slug} --force\` starts it now anyway.`,
      });
    await appendHistory(taskPaths(repo.paths, slug).historyFile, 'unblocked', null, {
      after,
      ...(afterMerge ? { afterMerge } : {}),
      forced: true,
      waitingFor: on.map((u) => u.slug),
      by: opts.by,
    });
    return;
  }
  if (t.state !== 'ready') return; // it ran before: its dependencies were judged then
  crashPoint('dispatch.unblocked'); // the crash suite: a watcher killed between done and dispatch
  await appendHistory(taskPaths(repo.paths, slug).historyFile, 'unblocked', null, {
    after,
    ...(afterMerge ? { afterMerge } : {}),
    by: opts.by,
  });
}
