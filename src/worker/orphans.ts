/**
 * Ending the agents a dead worker left: an agent of an earlier run that recorded its start
 * (`agent_started`) but whose exit no worker recorded may still run in this worktree, and must
 * be gone before a new agent starts there.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { carriesEnv } from '../proc/environ.js';
import { killProcessGroup } from '../proc/identity.js';
import { appendHistory } from '../store/history.js';
import type { UnfinishedAgent } from './deliveries.js';

/** How long an orphan's group gets to vanish after SIGKILL before its run is recorded anyway. */
const ORPHAN_EXIT_WAIT_MS = 5000;

/**
 * Ends each agent in `agents` that still runs, and records its run as ended (`run_exited`,
 * `orphaned`) either way. An agent is recognised by its BATON_RUN_ID, so a reused pid is never
 * signalled. `by` names who does the ending in the record ("run <id>", "the heartbeat"). Returns
 * how many still ran and were ended.
 */
export async function endOrphans(
  agents: readonly UnfinishedAgent[],
  historyFile: string,
  by: string,
): Promise<number> {
  let endedCount = 0;
  for (const agent of agents) {
    let ended = false;
    if (await carriesEnv(agent.pid, 'BATON_RUN_ID', agent.runId)) {
      killProcessGroup(agent.pid, 'SIGKILL');
      const deadline = Date.now() + ORPHAN_EXIT_WAIT_MS;
      while ((await carriesEnv(agent.pid, 'BATON_RUN_ID', agent.runId)) && Date.now() < deadline)
        await sleep(10);
      ended = true;
      endedCount++;
    }
    await appendHistory(historyFile, 'run_exited', agent.runId, {
      n: agent.n,
      ok: false,
      exitCode: null,
      signal: ended ? 'SIGKILL' : null,
      error: ended
        ? `its worker died; ${by} ended the agent (pid ${agent.pid}) it left running`
        : 'its worker died while the agent ran',
      orphaned: true,
    });
  }
  return endedCount;
}
