/**
 * Cluster mode's fence for a worker that died while its host lives: the agent it left would run
 * on unsupervised while the task's claim lapses and another host takes the task over, so two
 * hosts' agents would work on one task at once. The heartbeat that marks the task `worker_gone`
 * ends that agent at once (docs/design.md, "Several hosts"). Without cluster mode nothing else
 * can start the task elsewhere, and the retry's own worker ends the agent first, as before.
 */
import type { Repo } from '../ops/repo.js';
import { readHistory } from '../store/history.js';
import { taskPaths } from '../store/paths.js';
import { deliveryLedger } from '../worker/deliveries.js';
import { endOrphans } from '../worker/orphans.js';

/** Ends the agents `slug`'s dead worker left, when cluster mode is on; returns how many still ran. */
export async function fenceOrphans(repo: Repo, slug: string): Promise<number> {
  if (repo.config.cluster === null) return 0;
  const { historyFile } = taskPaths(repo.paths, slug);
  const { unfinished } = deliveryLedger((await readHistory(historyFile)).events, '');
  if (unfinished.length === 0) return 0;
  return await endOrphans(
    unfinished,
    historyFile,
    'the heartbeat (cluster mode: its claim is about to lapse)',
  );
}
