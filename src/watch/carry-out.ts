/**
 * What a heartbeat's decision does (domain/cycle.ts decides): mark a dead or stalled worker, ask a
 * stalled agent to stop, resume a task past its usage limit, release an agent, start a task.
 * Each re-reads what it acts on, since the board it was decided from is a moment old.
 */

import type { Decision } from '../domain/cycle.js';
import { BatonError } from '../domain/errors.js';
import { ACTIVE_STATES } from '../domain/states.js';
import type { StandbyPool } from '../launch/standby.js';
import { readTaskLock } from '../ops/board.js';
import { dispatch } from '../ops/dispatch.js';
import { liveHolder, wake } from '../ops/followup.js';
import type { Repo } from '../ops/repo.js';
import { eventForStateChange } from '../domain/notify.js';
import { notify } from '../notify/notify.js';
import { appendHistory } from '../store/history.js';
import { withTimeout } from '../proc/timeout.js';
import { writeControl } from '../store/inbox.js';
import { LASTING_DISPATCH_ERRORS, recordFailure } from '../store/dispatch-failure.js';
import { taskPaths } from '../store/paths.js';
import { readStatus, updateStatus } from '../store/status.js';
import { clearAgentLimit } from '../store/limits.js';
import { fenceOrphans } from './fence.js';
import { endOrphanedSetups } from '../worker/setup-orphans.js';
import { resumeLimited } from './limits.js';

/**
 * Carries out one decision; returns what happened, in words. Never throws. A dispatch it makes
 * takes its worker from `standby` when one is given and standing.
 */
export async function carryOut(repo: Repo, d: Decision, standby?: StandbyPool): Promise<string> {
  try {
    switch (d.kind) {
      case 'mark': {
        const lock = await readTaskLock(repo, d.slug);
        if (lock?.live) return 'skipped: a live worker holds the lock now';
        const tp = taskPaths(repo.paths, d.slug);
        // The board read the status before the lock: a worker may have written its last status
        // and released the lock in between. Only a status still saying what was judged is marked.
        const now = (await readStatus(tp.statusFile))?.state;
        if (now !== d.state && !(d.state === 'worker_gone' && now && ACTIVE_STATES.has(now)))
          return `skipped: the task is ${now ?? 'without status'} now`;
        const error =
          d.state === 'worker_gone' ? `the worker${lock ? ` (pid ${lock.pid})` : ''} is gone` : null;
        const recorded = await appendHistory(tp.historyFile, 'state_changed', lock?.runId ?? null, {
          from: now ?? null,
          to: d.state,
          by: 'heartbeat',
          ...(d.retryAt ? { retryAt: d.retryAt } : {}),
        });
        await updateStatus(tp.statusFile, d.slug, {
          state: d.state,
          pid: null,
          agentPid: null,
          retryAt: d.retryAt,
          ...(error !== null ? { error } : {}),
        });
        // Only a change is told: a task already recorded stalled (by its worker, which told of
        // it) or worker_gone (by doctor) is only given its retry here.
        const event = eventForStateChange(now, d.state);
        if (event !== null) {
          notify(repo, {
            event,
            slug: d.slug,
            state: d.state,
            runId: recorded.runId,
            ts: recorded.ts,
            by: 'heartbeat',
            detail: error,
            retryAt: d.retryAt,
          });
        }
        const fenced = d.state === 'worker_gone' ? await fenceOrphans(repo, d.slug) : 0;
        // A setup command runs in a group of its own, which the worker's kill -9 did not reach.
        const setups =
          d.state === 'worker_gone'
            ? await endOrphanedSetups(tp.historyFile, 'the heartbeat', {
                graceMs: repo.config.interruptGraceSeconds * 1000,
                liveRun: async (runId) => (await liveHolder(repo, d.slug))?.runId === runId,
              })
            : [];
        const ended =
          (fenced > 0 ? `; ended the agent it left running` : '') +
          setups
            .map((s) => `; ended the setup command \`${s.command}\` (pid ${s.pid}) it left running`)
            .join('');
        return d.retryAt
          ? `marked ${d.state}${ended}; retry at ${d.retryAt}`
          : `marked ${d.state}${ended}; no automatic retry left`;
      }
      case 'interrupt_stalled': {
        const holder = await liveHolder(repo, d.slug);
        if (!holder) return 'skipped: no live worker';
        await writeControl(
          taskPaths(repo.paths, d.slug).inboxDir,
          'stall',
          'heartbeat: no progress',
          holder.runId,
        );
        wake(holder.pid);
        return `asked worker pid ${holder.pid} to interrupt its stalled agent`;
      }
      case 'resume_limited':
        return await resumeLimited(repo, d, standby);
      case 'release_agent':
        await clearAgentLimit(repo.paths, d.agent);
        return `${d.agent} is past its usage limit: its tasks may start again`;
      case 'retry':
      case 'dispatch':
      case 'start_inbox': {
        // Waiting follow-ups of a task that ran run as they are (as `baton followup` starts
        // them), not after an unasked-for "continue" prompt; a task that never ran gets its prompt first.
        const ran = ((await readStatus(taskPaths(repo.paths, d.slug).statusFile))?.runs ?? 0) > 0;
        const started = await withTimeout(
          dispatch(repo, d.slug, {
            auto: d.kind === 'retry',
            allowFinished: d.kind !== 'dispatch',
            inboxOnly: d.kind === 'start_inbox' && ran,
            // The board was read before: another start may have run the task since.
            ...(d.kind === 'dispatch'
              ? { startsIf: 'never-ran' as const }
              : d.kind === 'retry'
                ? { startsIf: 'awaiting-retry' as const }
                : {}),
            standby,
            respectLimits: true,
          }),
          repo.config.dispatchTimeoutSeconds * 1000,
          `the dispatch of ${d.slug} took longer than dispatchTimeoutSeconds (${repo.config.dispatchTimeoutSeconds} s)`,
        );
        return `started run ${started.runId} (worker pid ${started.pid}, ${started.start.kind})`;
      }
    }
  } catch (err) {
    if (
      err instanceof BatonError &&
      (err.code === 'BUSY' ||
        err.code === 'AGENT_LIMITED' ||
        err.code === 'TASK_BLOCKED' ||
        err.code === 'CLAIM_HELD')
    )
      return `skipped: ${err.message}`;
    if (err instanceof BatonError && LASTING_DISPATCH_ERRORS.has(err.code) && d.kind !== 'mark') {
      // Said once: later cycles pass the task over until its file or baton.yaml changes.
      await recordFailure(repo.paths, d.slug, {
        code: err.code,
        message: err.message,
        hint: err.hint ?? null,
      });
      return `failed: ${err.message} Not tried again until tasks/${d.slug}.md or baton.yaml changes.`;
    }
    return `failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}
