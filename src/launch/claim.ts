/**
 * Cluster mode's claims, acted on (docs/design.md, "Several hosts"): read a task's claim on the
 * remote, win it before a dispatch, renew it, release it. The decisions are
 * src/domain/cluster.ts; the git is src/git/remote-refs.ts; each change of holder is recorded in
 * the task's history (`claim_won`, `claim_taken_over`, `claim_released`). Used by dispatch and
 * by the worker, which keeps the claim for its life (src/worker/claim-keeper.ts).
 */
import os from 'node:os';
import type { ClusterConfig } from '../config/cluster.js';
import {
  decideClaim,
  decodeClaim,
  encodeClaim,
  newClaim,
  released,
  renewed,
  renewEveryMs,
  safeHost,
  type ClaimRecord,
  type ClaimWho,
  type LeaseTimes,
} from '../domain/cluster.js';
import { BatonError } from '../domain/errors.js';
import {
  commitMessage,
  failureText,
  fetchObjects,
  listRemoteRefs,
  recordCommit,
  swapRef,
  type SwapResult,
} from '../git/remote-refs.js';
import { writeClaim, type HeldClaim } from '../store/claim.js';
import { appendHistory } from '../store/history.js';
import { taskPaths, type RepoPaths } from '../store/paths.js';
import { readStatus, updateStatus } from '../store/status.js';

/** This host's name in cluster mode: `BATON_HOST`, else `cluster.host`, else the machine's name. */
export function clusterHost(c: ClusterConfig): string {
  return c.host ?? safeHost(os.hostname());
}

/** The lease timings of a cluster config, in ms. */
export function leaseTimes(c: ClusterConfig): LeaseTimes {
  return { leaseMs: c.leaseSeconds * 1000, skewMs: c.skewSeconds * 1000 };
}

/** The ref of a task's claim. */
export function claimRef(slug: string): string {
  return `refs/baton/claims/${slug}`;
}

/** Where a cluster call runs: the repository, its config, this host. */
export interface ClusterCtx {
  root: string;
  paths: RepoPaths;
  cluster: ClusterConfig;
  host: string;
}

/** The context for `root` when cluster mode is on, else null. */
export function clusterCtx(root: string, paths: RepoPaths, cluster: ClusterConfig | null): ClusterCtx | null {
  return cluster === null ? null : { root, paths, cluster, host: clusterHost(cluster) };
}

/** The remote's claim of `slug` (null: none), read with ls-remote and fetched by id. Throws REMOTE_UNAVAILABLE. */
export async function remoteClaim(
  ctx: ClusterCtx,
  slug: string,
): Promise<{ sha: string; record: ClaimRecord } | null> {
  const ref = claimRef(slug);
  try {
    const found = (await listRemoteRefs(ctx.root, ctx.host, ctx.cluster.remote, ref)).find(
      (r) => r.ref === ref,
    );
    if (!found) return null;
    await fetchObjects(ctx.root, ctx.host, ctx.cluster.remote, [found.sha]);
    const message = await commitMessage(ctx.root, found.sha);
    const record = decodeClaim(message);
    // A ref that holds no claim record (made by hand, or by a newer baton) is never taken over.
    if (record === null)
      return Promise.reject(
        new Error(`${found.sha} holds no claim record: ${JSON.stringify(message.slice(0, 200))}`),
      );
    return { sha: found.sha, record };
  } catch (err) {
    throw unreachable(ctx, ref, 'read', err);
  }
}

/**
 * Wins the claim of `slug` for this host before a dispatch; throws CLAIM_HELD (a live claim of
 * another host), CLAIM_ELSEWHERE (it ran on another host) or REMOTE_UNAVAILABLE. Tried three
 * times: a refused swap means someone changed the ref meanwhile, so the new value is judged.
 */
export async function winClaim(
  ctx: ClusterCtx,
  slug: string,
  who: ClaimWho,
  runId: string | null = null,
): Promise<HeldClaim> {
  const ref = claimRef(slug);
  const t = leaseTimes(ctx.cluster);
  let said = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await remoteClaim(ctx, slug);
    const now = Date.now();
    const d = decideClaim(current?.record ?? null, ctx.host, who, now, t);
    if (d.kind === 'held') throw heldError(ctx, slug, d.by);
    if (d.kind === 'elsewhere') throw elsewhereError(ctx, slug, d.by);
    const record = newClaim(slug, ctx.host, d.epoch, now, t, runId);
    const sha = await recordCommit(ctx.root, ctx.host, encodeClaim(record));
    const r = await swapRef(ctx.root, ctx.host, ctx.cluster.remote, ref, sha, current?.sha ?? null);
    if (r.ok) {
      const held: HeldClaim = { sha, record, remote: ctx.cluster.remote, ref };
      await writeClaim(ctx.paths, held);
      const history = taskPaths(ctx.paths, slug).historyFile;
      const base = { host: ctx.host, epoch: record.epoch, ref: `${ctx.cluster.remote} ${ref}` };
      if (d.kind === 'replace' && d.takeover)
        await appendHistory(history, 'claim_taken_over', runId, {
          ...base,
          from: {
            host: d.expect.host,
            epoch: d.expect.epoch,
            expiresAt: new Date(d.expect.expiresAt).toISOString(),
          },
        });
      else await appendHistory(history, 'claim_won', runId, base);
      return held;
    }
    if (r.why === 'unreachable') throw unreachable(ctx, ref, 'claim', r.said);
    said = r.said;
  }
  throw new BatonError(
    'CLAIM_HELD',
    `The claim ${ctx.cluster.remote} ${ref} kept changing while this host tried to win it (git: ${said}).`,
    {
      hint: 'Another host is claiming it at the same moment; the next heartbeat looks again.',
    },
  );
}

/** Renews `held` (a swap from its own last value); `runId` names the worker holding it now. */
export async function renewClaim(
  ctx: ClusterCtx,
  held: HeldClaim,
  runId: string,
): Promise<{ r: SwapResult; held: HeldClaim }> {
  const record = renewed(held.record, Date.now(), leaseTimes(ctx.cluster), runId === '' ? null : runId);
  return swapTo(ctx, held, record);
}

/** Releases `held`: the ref keeps a released record (its epoch and host), by a swap from its own value. */
export async function releaseClaim(
  ctx: ClusterCtx,
  held: HeldClaim,
  runId: string | null,
): Promise<SwapResult> {
  const { r, held: now } = await swapTo(ctx, held, released(held.record, Date.now()));
  if (r.ok)
    await appendHistory(taskPaths(ctx.paths, held.record.slug).historyFile, 'claim_released', runId, {
      host: ctx.host,
      epoch: now.record.epoch,
      ref: `${held.remote} ${held.ref}`,
    });
  return r;
}

async function swapTo(
  ctx: ClusterCtx,
  held: HeldClaim,
  record: ClaimRecord,
): Promise<{ r: SwapResult; held: HeldClaim }> {
  let sha: string;
  try {
    sha = await recordCommit(ctx.root, ctx.host, encodeClaim(record));
  } catch (err) {
    return { r: { ok: false, why: 'unreachable', said: failureText(err) }, held };
  }
  const r = await swapRef(ctx.root, ctx.host, held.remote, held.ref, sha, held.sha);
  if (!r.ok) return { r, held };
  const next: HeldClaim = { ...held, sha, record };
  await writeClaim(ctx.paths, next);
  return { r, held: next };
}

function heldError(ctx: ClusterCtx, slug: string, by: ClaimRecord): BatonError {
  return new BatonError(
    'CLAIM_HELD',
    `Task ${slug} runs on host ${by.host} (claim ${ctx.cluster.remote} ${claimRef(slug)}, epoch ${by.epoch}, lease until ${new Date(by.expiresAt).toISOString()}).`,
    {
      hint: `It is taken over only if ${by.host} stops renewing and its lease lapses by more than ${ctx.cluster.skewSeconds} s.`,
      cause: by,
    },
  );
}

function elsewhereError(ctx: ClusterCtx, slug: string, by: ClaimRecord): BatonError {
  return new BatonError(
    'CLAIM_ELSEWHERE',
    `Task ${slug} ran on host ${by.host} (claim ${ctx.cluster.remote} ${claimRef(slug)}, epoch ${by.epoch}); its worktree and session are there.`,
    {
      hint: `Send follow-ups from any host (they reach ${by.host}); \`baton dispatch ${slug}\` here starts it on this host instead.`,
      cause: by,
    },
  );
}

/** REMOTE_UNAVAILABLE naming the remote, the ref and git's words. */
export function unreachable(ctx: ClusterCtx, ref: string, what: string, err: unknown): BatonError {
  const said = typeof err === 'string' ? err : failureText(err);
  return new BatonError('REMOTE_UNAVAILABLE', `Could not ${what} ${ctx.cluster.remote} ${ref}: ${said}`, {
    hint: 'Nothing starts unclaimed in cluster mode: check the remote (git ls-remote), then it is tried again.',
  });
}

/**
 * Renews `held` in the dispatcher's name until its worker takes it up: making the worktree and
 * starting the worker can outlast a short lease on a busy host. `stop` waits for a renewal in
 * flight, so the worker swaps from the value the claim file names (or adopts it when refused).
 */
export function keepAlive(ctx: ClusterCtx, held: HeldClaim): { stop(): Promise<HeldClaim> } {
  let current = held;
  let inflight: Promise<unknown> = Promise.resolve();
  const timer = setInterval(
    () => {
      inflight = inflight
        .then(async () => {
          const { r, held: next } = await renewClaim(ctx, current, current.record.runId ?? '');
          if (r.ok) current = next;
        })
        .catch(() => undefined);
    },
    renewEveryMs(leaseTimes(ctx.cluster)),
  );
  return {
    async stop() {
      clearInterval(timer);
      await inflight;
      return current;
    },
  };
}

/**
 * A retry refused because another host holds or held the task since: this host lost its claim
 * while it was down (its worker killed, the host cut off). Recorded once as `claim_lost`, and the
 * task becomes `interrupted` (no further automatic retry), its worktree kept.
 */
export async function noteLostOnRetry(ctx: ClusterCtx, slug: string, err: BatonError): Promise<void> {
  const by = err.cause as ClaimRecord | undefined;
  if (by === undefined) return;
  const tp = taskPaths(ctx.paths, slug);
  const status = await readStatus(tp.statusFile);
  if (status === null) return;
  const why = `taken over by host ${by.host} (epoch ${by.epoch}) while this host was away`;
  await appendHistory(tp.historyFile, 'claim_lost', null, {
    host: ctx.host,
    epoch: by.epoch,
    ref: `${ctx.cluster.remote} ${claimRef(slug)}`,
    why,
  });
  await appendHistory(tp.historyFile, 'state_changed', null, {
    from: status.state,
    to: 'interrupted',
    by: 'dispatch',
    reason: 'claim lost',
    error: `claim lost: ${why}`,
  });
  await updateStatus(tp.statusFile, slug, {
    state: 'interrupted',
    error: `claim lost: ${why}`,
    retryAt: null,
  });
}
