/**
 * Which setup commands a task's history leaves unfinished: a worker records each command's
 * process group as it starts it (`setup_command_started`), and the setup's end (`setup_done`,
 * `setup_failed`, `setup_ended`). A command whose run recorded neither a later command nor an
 * end may still run, in a group of its own, after its worker was killed -9. Pure: it reads
 * records, not files or processes (the acting side is worker/setup-orphans.ts).
 */
import type { HistoryEvent } from './history.js';

/** A setup command started by a run that recorded no end of it. */
export interface UnfinishedSetup {
  runId: string;
  /** The command's place in setup.run (1-based). */
  n: number;
  /** The command as a person reads it. */
  command: string;
  /** Its pid, which is also its process group. */
  pid: number;
}

/**
 * The setup commands of runs other than `ownRunId` that no later record of their run closed,
 * oldest first. Each run runs its commands one after another, so a run's next command closes
 * its previous one.
 */
export function unfinishedSetups(
  events: readonly HistoryEvent[],
  ownRunId: string | null,
): UnfinishedSetup[] {
  const open = new Map<string, UnfinishedSetup>();
  for (const e of events) {
    if (e.runId === null || e.runId === ownRunId) continue;
    switch (e.type) {
      case 'setup_command_started':
        open.delete(e.runId); // re-inserted: the map keeps the order commands started in
        open.set(e.runId, { runId: e.runId, n: e.n, command: e.command, pid: e.pid });
        break;
      case 'setup_done':
      case 'setup_failed':
      case 'setup_ended':
        open.delete(e.runId);
        break;
      default:
        break;
    }
  }
  return [...open.values()];
}
