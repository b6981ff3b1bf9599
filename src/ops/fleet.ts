/**
 * Cluster mode's fleet view (docs/design.md, "Several hosts"): every claim on the remote, read
 * with one `git ls-remote` and the claim commits fetched by id, for `baton status`, `status
 * --watch` and the page. A remote that cannot be read is said, not thrown: the local board is
 * still worth showing.
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

/**
 * Claim records already read, by commit id: a commit never changes, so a viewer that reads the
 * fleet again and again (`status --watch`, the page) asks git only about new claim commits.
 */
export type ClaimRecordCache = Map<string, ClaimRecord | null>;

/** Reads the fleet; null when cluster mode is off. `known` keeps the records read, across reads. */
export async function readFleet(
  repo: Repo,
  now = Date.now(),
  known: ClaimRecordCache = new Map(),
): Promise<Fleet | null> {
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
      claimRefs.filter((r) => !known.has(r.sha)).map((r) => r.sha),
    );
    for (const r of claimRefs) {
      if (!known.has(r.sha)) known.set(r.sha, decodeClaim(await commitMessage(ctx.root, r.sha)));
      const record = known.get(r.sha) ?? null;
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

/** A fleet read at most every `cluster.pollSeconds`, for viewers that redraw often. */
export interface FleetReader {
  /** The last fleet read, read again first when it is older than `pollSeconds` (null: cluster mode off). */
  current(repo: Repo, now?: number): Promise<Fleet | null>;
}

/**
 * A reader for `status --watch` and the page: one `ls-remote` per `pollSeconds` at most (the
 * rate the watcher itself asks the remote), however often they redraw; callers meanwhile share
 * the read in flight, and claim commits already read are not read again.
 */
export function fleetReader(): FleetReader {
  const known: ClaimRecordCache = new Map();
  let last: { fleet: Fleet | null; at: number; remote: string | null } | null = null;
  let inFlight: Promise<Fleet | null> | null = null;
  return {
    async current(repo, now = Date.now()) {
      const cluster = repo.config.cluster;
      if (cluster === null) return null;
      const fresh =
        last !== null && last.remote === cluster.remote && now - last.at < cluster.pollSeconds * 1000;
      if (fresh) return last!.fleet;
      inFlight ??= readFleet(repo, now, known)
        .then((fleet) => {
          last = { fleet, at: now, remote: cluster.remote };
          // Records of replaced claim commits pile up (a renewal is a new commit): start over now and then.
          if (known.size > 4 * ((fleet?.claims.length ?? 0) + 16)) known.clear();
          return fleet;
        })
        .finally(() => (inFlight = null));
      return inFlight;
    },
  };
}
