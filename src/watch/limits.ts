/**
 * The heartbeat's usage-limit actions (the decisions are domain/cycle-limits.ts's): resuming a
 * parked task in its session after its agent's reset (the probe is recorded first, so a second
 * cycle does not probe again), and what heartbeat.json says of limited agents.
 */
import type { Decision, CycleTask } from '../domain/cycle.js';
import type { AgentLimit } from '../domain/limits.js';
import { LIMIT_RESET_INSTRUCTION } from '../domain/prompts.js';
import type { StandbyPool } from '../launch/standby.js';
import type { BoardTask } from '../ops/board.js';
import { dispatch } from '../ops/dispatch.js';
import type { Repo } from '../ops/repo.js';
import { withTimeout } from '../proc/timeout.js';
import { appendHistory } from '../store/history.js';
import { readAgentLimit, writeAgentLimit } from '../store/limits.js';
import { taskPaths } from '../store/paths.js';
import type { CycleReport } from './cycle.js';

/** A task's agent fields for the cycle. */
export function agentFields(
  t: BoardTask,
  defaultAgent: string | undefined,
): Pick<CycleTask, 'agent' | 'limitedAgent'> {
  const agent = t.task?.agent ?? defaultAgent;
  return { ...(agent === undefined ? {} : { agent }), limitedAgent: t.status?.limitedAgent ?? null };
}

/** Resumes a task parked at its agent's limit, in its session, with the reset instruction. */
export async function resumeLimited(
  repo: Repo,
  d: Extract<Decision, { kind: 'resume_limited' }>,
  standby: StandbyPool | undefined,
): Promise<string> {
  const now = new Date().toISOString();
  if (d.probe) {
    const limit = await readAgentLimit(repo.paths, d.agent);
    if (limit !== null) await writeAgentLimit(repo.paths, { ...limit, probe: { slug: d.slug, at: now } });
  }
  await appendHistory(taskPaths(repo.paths, d.slug).historyFile, 'state_changed', null, {
    from: 'limited',
    to: 'starting',
    by: 'heartbeat',
    reason: d.probe
      ? `${d.agent}'s usage limit should have reset: this task goes first, to see`
      : `${d.agent}'s usage limit has reset`,
  });
  try {
    const started = await withTimeout(
      dispatch(repo, d.slug, { continueText: LIMIT_RESET_INSTRUCTION, allowFinished: true, standby }),
      repo.config.dispatchTimeoutSeconds * 1000,
      `the dispatch of ${d.slug} took longer than dispatchTimeoutSeconds (${repo.config.dispatchTimeoutSeconds} s)`,
    );
    return `resumed after ${d.agent}'s usage limit${d.probe ? ' (the one try after the reset)' : ''}: run ${started.runId} (worker pid ${started.pid})`;
  } catch (err) {
    if (d.probe) {
      // No probe runs: the next cycle tries again.
      const limit = await readAgentLimit(repo.paths, d.agent).catch(() => null);
      if (limit?.probe?.slug === d.slug) await writeAgentLimit(repo.paths, { ...limit, probe: null });
    }
    throw err;
  }
}

/** The agents at their usage limit as heartbeat.json lists them (from the board read after the decisions). */
export function limitedAgentsNow(limits: readonly AgentLimit[]): NonNullable<CycleReport['limitedAgents']> {
  return limits.map((l) => ({
    agent: l.agent,
    retryAt: l.retryAt,
    reset: l.reset,
    slug: l.slug,
    probe: l.probe?.slug ?? null,
  }));
}
