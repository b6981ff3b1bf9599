/** `baton stop`: interrupt a task's agent without a follow-up; the worktree is kept. */
import { writeControl } from '../store/inbox.js';
import { taskPaths } from '../store/paths.js';
import { liveHolder, wake } from './followup.js';
import { loadTask, type Repo } from './repo.js';

/** What `stop` found. */
export type StopResult = { stopped: true; pid: number; runId: string } | { stopped: false };

/** Asks the live worker of `slug` to interrupt its agent and end (state `interrupted`). */
export async function stopTask(repo: Repo, slug: string): Promise<StopResult> {
  await loadTask(repo, slug);
  const holder = await liveHolder(repo, slug);
  if (!holder) return { stopped: false };
  await writeControl(taskPaths(repo.paths, slug).inboxDir, 'stop', 'baton stop', holder.runId);
  wake(holder.pid);
  return { stopped: true, pid: holder.pid, runId: holder.runId };
}
