/**
 * Ending the setup commands a dead worker left: a setup command runs in a process group of its
 * own (so a time limit can end all it started), which a kill -9 of its worker does not reach.
 * Whoever next looks at the task with its worker gone ends that group and says so in history:
 * the heartbeat that marks it `worker_gone`, the next worker before it runs the setup again,
 * `baton stop` and `baton remove` (docs/design.md, "Worktree setup").
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { unfinishedSetups, type UnfinishedSetup } from '../domain/setup-ledger.js';
import { carriesEnv } from '../proc/environ.js';
import { killProcessGroup } from '../proc/identity.js';
import { appendHistory, readHistory } from '../store/history.js';

/** How long a group gets to vanish after SIGKILL before its end is recorded anyway. */
const KILL_WAIT_MS = 5000;

/** A setup command that still ran and was ended. */
export interface EndedSetup extends UnfinishedSetup {
  signal: 'SIGTERM' | 'SIGKILL';
}

/**
 * Ends each unfinished setup command of a run other than `ownRunId` that still runs: SIGTERM to
 * its group, SIGKILL after `graceMs`. Each is recorded (`setup_ended`, `orphaned`) either way,
 * under its own run. A command is recognised by its BATON_RUN_ID, so a reused pid is never
 * signalled. Callers call this only once the run's worker is known to be gone (or say which run
 * lives, `liveRun`). `by` names who
 * ends it ("the heartbeat", "run r-…"). Returns the commands that still ran.
 */
export async function endOrphanedSetups(
  historyFile: string,
  by: string,
  opts: {
    graceMs: number;
    ownRunId?: string | null;
    /**
     * True for a run whose worker lives after all: asked after history was read, so a worker
     * that took the lock and started its setup meanwhile is seen (its lock came first).
     */
    liveRun?(runId: string): Promise<boolean>;
  },
): Promise<EndedSetup[]> {
  const { events } = await readHistory(historyFile);
  const ended: EndedSetup[] = [];
  for (const s of unfinishedSetups(events, opts.ownRunId ?? null)) {
    if (opts.liveRun && (await opts.liveRun(s.runId))) continue;
    const signal = await endGroup(s, opts.graceMs);
    if (signal !== null) ended.push({ ...s, signal });
    await appendHistory(historyFile, 'setup_ended', s.runId, {
      n: s.n,
      command: s.command,
      pid: s.pid,
      signal,
      orphaned: true,
      error:
        signal !== null
          ? `its worker died during the setup; ${by} ended the command \`${s.command}\` (process group ${s.pid}) it left running`
          : `its worker died during the setup command \`${s.command}\`, which no longer ran`,
    });
  }
  return ended;
}

/**
 * SIGTERM to the group, SIGKILL once `graceMs` passed or the leader is gone (a child that
 * ignores SIGTERM may outlive it); null when the leader no longer ran at all.
 */
export async function endGroup(s: UnfinishedSetup, graceMs: number): Promise<'SIGTERM' | 'SIGKILL' | null> {
  const runs = (): Promise<boolean> => carriesEnv(s.pid, 'BATON_RUN_ID', s.runId);
  if (!(await runs())) return null;
  killProcessGroup(s.pid, 'SIGTERM');
  const gone = await waitUntil(async () => !(await runs()), graceMs);
  killProcessGroup(s.pid, 'SIGKILL');
  await waitUntil(async () => !(await runs()), KILL_WAIT_MS);
  return gone ? 'SIGTERM' : 'SIGKILL';
}

async function waitUntil(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(10);
  }
}
