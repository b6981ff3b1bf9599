/**
 * `baton stop`: interrupt a task's agent (or end its setup) without a follow-up; the worktree is
 * kept. With no live worker, a setup command a dead worker left running is ended here.
 */
import { writeControl } from '../store/inbox.js';
import { endOrphanedSetups, type EndedSetup } from '../worker/setup-orphans.js';
import { taskPaths } from '../store/paths.js';
import { liveHolder, wake } from './followup.js';
import { loadTask, type Repo } from './repo.js';

/** What `stop` found. */
export type StopResult =
  | { stopped: true; pid: number; runId: string }
  | {
      stopped: false;
      /** Setup commands a dead worker left running, ended now (absent when there were none). */
      endedSetups?: EndedSetup[];
    };

/**
 * Asks the live worker of `slug` to interrupt its agent, or end its setup, and end (state
 * `interrupted`). With none, ends what a dead worker's setup left running.
 */
export async function stopTask(repo: Repo, slug: string): Promise<StopResult> {
  await loadTask(repo, slug);
  const holder = await liveHolder(repo, slug);
  if (!holder) {
    const endedSetups = await endOrphanedSetups(taskPaths(repo.paths, slug).historyFile, '`baton stop`', {
      graceMs: repo.config.interruptGraceSeconds * 1000,
      liveRun: async (runId) => (await liveHolder(repo, slug))?.runId === runId,
    });
    return endedSetups.length > 0 ? { stopped: false, endedSetups } : { stopped: false };
  }
  await writeControl(taskPaths(repo.paths, slug).inboxDir, 'stop', 'baton stop', holder.runId);
  wake(holder.pid);
  return { stopped: true, pid: holder.pid, runId: holder.runId };
}
