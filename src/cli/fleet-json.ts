/** Cluster mode's fields in `baton status --json` (added, never changed: the json is stable). */
import type { Fleet } from '../ops/fleet.js';

/**
 * `host` (this host), `cluster` (the remote, every claim, the remote's problem) and, on each
 * task with a claim, `claim` (`host`, `epoch`, `since`, `expiresAt`, `released`, `here`, `lapsed`).
 */
export function fleetJson(
  tasks: Record<string, unknown>[],
  fleet: Fleet,
): { host: string; cluster: Record<string, unknown>; tasks: Record<string, unknown>[] } {
  const bySlug = new Map(fleet.claims.map((c) => [c.slug, c]));
  const claimOf = (slug: unknown): Record<string, unknown> | null => {
    const c = typeof slug === 'string' ? bySlug.get(slug) : undefined;
    return c
      ? {
          host: c.host,
          epoch: c.epoch,
          since: c.since,
          expiresAt: new Date(c.expiresAt).toISOString(),
          released: c.released,
          here: c.here,
          lapsed: c.lapsed,
        }
      : null;
  };
  return {
    host: fleet.host,
    cluster: {
      remote: fleet.remote,
      problem: fleet.problem,
      claims: fleet.claims.map((c) => ({ slug: c.slug, ...claimOf(c.slug), runId: c.runId })),
      inbox: fleet.inbox,
    },
    tasks: tasks.map((t) => ({ ...t, claim: claimOf(t['slug']) })),
  };
}
