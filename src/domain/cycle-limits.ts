/**
 * The heartbeat's usage-limit decisions (domain/cycle.ts calls this; pure). Per agent with a
 * recorded limit (store/limits.ts):
 *
 *   waiting (before retryAt) ──reset──▶ due ──one probe run──▶ probing ──first progress──▶ released
 *                                         ▲                        │
 *                                         └──── limit hit again ◀──┘ (the worker records a new limit)
 *
 * While waiting, due or probing, nothing else starts with the agent. The probe is the parked
 * task of highest priority, resumed in its own session; at most one per agent per reset. Once
 * it shows progress (its worker clears `limitedAgent`) or ends without a limit, the agent is
 * released: its other parked tasks resume by priority, then everything else may start.
 */
import { agentLimitState, type AgentLimit } from './limits.js';
import type { CycleTask } from './cycle.js';

/** What the limits decide for one cycle. */
export interface LimitPlan {
  /** Agents free again: their limit records go. */
  release: { agent: string; slug: string }[];
  /** The one probe per due agent, in priority order. */
  probes: { task: CycleTask; agent: string }[];
  /** Agents that start nothing else this cycle. */
  blocked: Set<string>;
}

/** The agent a task runs with; a parked task's is the one whose limit it waits for. */
export function agentOf(t: CycleTask): string | null {
  return t.limitedAgent ?? t.agent ?? null;
}

/** Parked tasks: ended at a usage limit, not running. */
export function isParked(t: CycleTask): boolean {
  return t.state === 'limited' && !t.live;
}

/** Highest priority first, then the oldest file, then the slug. */
export function byPriority(a: CycleTask, b: CycleTask): number {
  return b.priority - a.priority || a.fileMtimeMs - b.fileMtimeMs || a.slug.localeCompare(b.slug);
}

/** Judges every agent's recorded limit at `now`. */
export function planLimits(
  tasks: readonly CycleTask[],
  limits: ReadonlyMap<string, AgentLimit>,
  now: Date,
): LimitPlan {
  const plan: LimitPlan = { release: [], probes: [], blocked: new Set() };
  const bySlug = new Map(tasks.map((t) => [t.slug, t]));
  for (const [agent, limit] of limits) {
    const state = agentLimitState(limit, now);
    const release = (): void => void plan.release.push({ agent, slug: limit.slug });
    const probeNext = (): void => {
      const next = tasks.filter((t) => isParked(t) && agentOf(t) === agent).sort(byPriority)[0];
      if (next === undefined) return release(); // nothing waits for it any more
      plan.probes.push({ task: next, agent });
      plan.blocked.add(agent);
    };
    switch (state.kind) {
      case 'free':
        break;
      case 'waiting':
        plan.blocked.add(agent);
        break;
      case 'due':
        probeNext();
        break;
      case 'probing': {
        const probe = bySlug.get(state.slug);
        if (probe === undefined)
          release(); // removed
        else if (probe.live) {
          if (probe.limitedAgent === agent) plan.blocked.add(agent);
          else release(); // it showed progress: the limit is gone
        } else if (isParked(probe))
          probeNext(); // its start never happened: try again
        else release(); // it ended, and not at a limit
        break;
      }
      default:
        state satisfies never;
    }
  }
  return plan;
}
