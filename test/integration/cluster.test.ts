/**
 * Cluster mode (docs/design.md, "Several hosts"): three hosts on this machine, each a clone with
 * its own watcher and BATON_HOST, sharing a local bare repository as the remote. What is checked
 * comes from the fake agents' own logs: which host started which task, when, and when it ended.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeHosts, remoteClaims, runsBySlug, startWatcher, type Host } from '../helpers/cluster-rig.ts';

const HEAVY = process.env.BATON_HEAVY === '1';
let hosts: Host[] = [];

afterEach(async () => {
  for (const h of hosts) await h.rig.cleanup();
  hosts = [];
});

describe('claims across hosts', () => {
  it('a 3-host race for 20 ready tasks runs each task on exactly one host, round after round', async () => {
    hosts = await makeHosts(['alpha', 'beta', 'gamma']);
    for (const h of hosts) await startWatcher(h);
    const rounds = HEAVY ? 6 : 2;
    for (let round = 1; round <= rounds; round++) {
      const slugs = Array.from({ length: 20 }, (_, i) => `r${round}-t${String(i).padStart(2, '0')}`);
      // Every host gets the same task files at about the same moment: their watchers race.
      await Promise.all(
        slugs.flatMap((slug) =>
          hosts.map((h) => h.rig.writeTask(slug, `task ${slug}\n@fake sleep=300`, { status: 'ready' })),
        ),
      );
      await hosts[0]!.rig.waitFor(
        `round ${round}: every task ran to its end and was released`,
        () => {
          const claims = remoteClaims(hosts);
          return slugs.every(
            (slug) => hosts.some((h) => h.rig.isIdle(slug)) && claims.has(`refs/baton/claims/${slug}`),
          );
        },
        90_000,
        200,
      );
      const runs = runsBySlug(hosts);
      for (const slug of slugs) {
        const list = runs.get(slug) ?? [];
        expect(
          list.map((r) => r.host),
          slug,
        ).toHaveLength(1);
        // Only the host that ran it has a history of it with a claim won.
        const winners = hosts.filter((h) => h.rig.history(slug).some((e) => e.type === 'claim_won'));
        expect(
          winners.map((h) => h.name),
          slug,
        ).toEqual([list[0]!.host]);
      }
      const perHost = hosts.map((h) => [...runs.values()].flat().filter((r) => r.host === h.name).length);
      // Spread is not promised, but three idle hosts racing 20 tasks should each win some.
      expect(perHost.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    }
  }, 240_000);
});
