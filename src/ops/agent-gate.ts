/**
 * The gate a start by the watcher or by a follow-up passes (docs/reference.md, "States":
 * `limited`): nothing new starts with an agent whose account is at its usage limit, a task
 * parked at a limit waits for the heartbeat's resume, and an agent's own `maxConcurrent` holds.
 * A person's `baton dispatch` or `baton continue` does not pass it: the person decides.
 *
 * The heartbeat plans with the same rules (domain/cycle.ts); this is the check for the starts
 * it does not plan (a task or follow-up dropped between heartbeats), one small read per start.
 */
import { BatonError } from '../domain/errors.js';
import { agentLimitState, shortTime } from '../domain/limits.js';
import { ACTIVE_STATES } from '../domain/states.js';
import { readAgentLimit } from '../store/limits.js';
import { taskPaths } from '../store/paths.js';
import { readStatus } from '../store/status.js';
import { readStatusFiles } from './agent-running.js';
import type { Repo } from './repo.js';

/** Throws AGENT_LIMITED when `slug` may not start with `agent` now. */
export async function assertAgentMayStart(
  repo: Repo,
  slug: string,
  agent: string,
  now = new Date(),
): Promise<void> {
  const [limit, status] = await Promise.all([
    readAgentLimit(repo.paths, agent).catch(() => null),
    readStatus(taskPaths(repo.paths, slug).statusFile).catch(() => null),
  ]);
  const st = agentLimitState(limit, now);
  if (st.kind !== 'free') {
    const when =
      st.kind === 'waiting'
        ? `until ${shortTime(st.until, now)}`
        : st.kind === 'probing'
          ? `until its first run after the reset (${st.slug}) gets through`
          : 'until the watcher has tried it after its reset';
    throw new BatonError('AGENT_LIMITED', `The agent ${agent} is at its usage limit ${when}.`, {
      hint: `${slug} starts when the limit resets; \`baton status\` shows when. Run it now anyway with \`baton continue ${slug}\` (or \`baton dispatch ${slug}\`).`,
    });
  }
  if (status?.state === 'limited') {
    throw new BatonError('AGENT_LIMITED', `Task ${slug} waits for its resume after ${agent}'s usage limit.`, {
      hint: `The watcher resumes it (and runs its follow-ups) at its next heartbeat; or run it now with \`baton continue ${slug}\`.`,
    });
  }
  const cap = repo.config.agents[agent]?.maxConcurrent ?? null;
  if (cap !== null) {
    const running = (await readStatusFiles(repo.paths)).filter(
      (s) => s.slug !== slug && s.agent === agent && ACTIVE_STATES.has(s.state),
    ).length;
    if (running >= cap)
      throw new BatonError(
        'AGENT_LIMITED',
        `All ${cap} slots of agent ${agent} are taken (agents.${agent}.maxConcurrent).`,
        {
          hint: `${slug} starts when one of its workers finishes.`,
        },
      );
  }
}
