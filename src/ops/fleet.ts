/**
 * Cluster mode's fleet view (docs/design.md, "Several hosts"): every claim on the remote, read
 * with one `git ls-remote` and the claim commits fetched by id, for `baton status`. A remote
 * that cannot be read is said, not thrown: the local board is still worth showing.
 */
import { decodeClaim, leaseLapsed, type ClaimRecord } from '../domain/cluster.js';
import { commitMessage, failureText, fetchObjects, listRemoteRefs } from '../git/remote-refs.js';
import { clusterCtx, leaseTimes } from '../launch/claim.js';
import type { Repo } from './repo.js';

/** One claim as the fleet view shows it. */
export interface FleetClaim extends ClaimRecord {
  /** Held by this host. */
  here: boolean;
  /** Its lease has lapsed beyond the skew margin: another host may take it over. */
  lapsed: boolean;
}

/** The fleet: this host, the remote, every claim; `problem` when the remote could not be read. */
export interface Fleet {
  host: string;
  remote: string;
  claims: FleetClaim[];
  /** Follow-ups waiting on the remote for their holder, per task. */
  inbox: Record<string, number>;
  problem: string | null;
}

/** Reads the fleet; null when cluster mode is off. */
export async function readFleet(repo: Repo, now = Date.now()): Promise<Fleet | null> {
  const ctx = clusterCtx(repo.info.root, repo.paths, repo.config.cluster);
  if (ctx === null) return null;
  const fleet: Fleet = { host: ctx.host, remote: ctx.cluster.remote, claims: [], inbox: {}, problem: null };
  try {
    const refs = await listRemoteRefs(ctx.root, ctx.host, ctx.cluster.remote, 'refs/baton/*');
    const claimRefs = refs.filter((r) => r.ref.startsWith('refs/baton/claims/'));
    await fetchObjects(
      ctx.root,
      ctx.host,
      ctx.cluster.remote,
      claimRefs.map((r) => r.sha),
    );
    for (const r of claimRefs) {
      const record = decodeClaim(await commitMessage(ctx.root, r.sha));
      if (record === null) continue;
      fleet.claims.push({
        ...record,
        here: record.host === ctx.host,
        lapsed: !record.released && leaseLapsed(record, now, leaseTimes(ctx.cluster)),
      });
    }
    for (const r of refs) {
      const m = /^refs\/baton\/inbox\/([^/]+)\//.exec(r.ref);
      if (m?.[1]) fleet.inbox[m[1]] = (fleet.inbox[m[1]] ?? 0) + 1;
    }
  } catch (err) {
    fleet.problem = `could not read ${ctx.cluster.remote} refs/baton/*: ${failureText(err)}`;
  }
  fleet.claims.sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  return fleet;
}
