/**
 * Follow-ups across hosts (docs/design.md, "Several hosts"). A drop accepted on a host that does
 * not hold the task's claim is published to `refs/baton/inbox/<slug>/<id>` on the remote (the
 * drop's text in a commit's `followup.md`) and leaves this host. The holder's watcher polls the
 * remote (`pollRemoteInbox`, one `git ls-remote`) and takes each item of its tasks in id order
 * (ops/inbox-take.ts): it stages the text on its disk, swaps the ref to a "taken by <host>"
 * record (so exactly one host takes it, and a host that dies mid-take can tell afterwards whether
 * it was the one), puts the text into `tasks/` as a drop, which the watcher ingests exactly once
 * like any other, and then deletes the record.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { decodeClaim, inboxOrder, remoteInboxId } from '../domain/cluster.js';
import { commitMessage, fetchObjects, followupCommit, listRemoteRefs, swapRef } from '../git/remote-refs.js';
import { clusterCtx, remoteClaim, unreachable, type ClusterCtx } from '../launch/claim.js';
import { readClaim } from '../store/claim.js';
import { appendHistory } from '../store/history.js';
import { taskPaths } from '../store/paths.js';
import { readInputFile } from '../store/taskfiles.js';
import { inboxRef, settleItem, type KnownRefs } from './inbox-take.js';
import type { Repo } from './repo.js';

/** A drop sent on to the host holding the task. */
export interface Forwarded {
  kind: 'forwarded';
  slug: string;
  id: string;
  to: string;
}

/**
 * In cluster mode, publishes drop `tasks/<name>` to the remote inbox when another host holds (or
 * last held) the task, and removes it here; null when it is this host's to ingest. The id is
 * made from the drop's name and time, so a publisher that dies and tries again publishes the
 * same item. Throws REMOTE_UNAVAILABLE when the remote cannot say who holds the task.
 */
export async function forwardIfElsewhere(repo: Repo, slug: string, name: string): Promise<Forwarded | null> {
  const ctx = clusterCtx(repo.info.root, repo.paths, repo.config.cluster);
  if (ctx === null) return null;
  let holder: string | null;
  try {
    holder = (await remoteClaim(ctx, slug))?.record.host ?? null;
  } catch (err) {
    // Unreachable: a task this host holds takes its follow-ups here (its worker finds out soon
    // enough if it lost the claim); any other waits in tasks/ for the remote to come back.
    if ((await readClaim(repo.paths, slug))?.record.host === ctx.host) return null;
    throw err;
  }
  if (holder === null || holder === ctx.host) return null;
  const source = path.join(repo.paths.tasksDir, name);
  const st = await fs.lstat(source).catch(() => null);
  if (st === null) return null;
  const read = await readInputFile(source, `tasks/${name}`);
  if (!read.ok) return null; // ingested here, where it is rejected with the reason
  const tail = createHash('sha1').update(name).digest('hex').slice(0, 8);
  const id = remoteInboxId(Math.floor(st.mtimeMs), ctx.host, tail);
  const ref = inboxRef(slug, id);
  let sha: string;
  try {
    sha = await followupCommit(
      ctx.root,
      ctx.host,
      read.value,
      `baton follow-up for ${slug} from ${ctx.host}`,
    );
  } catch (err) {
    throw unreachable(ctx, ref, 'publish', err);
  }
  const r = await swapRef(ctx.root, ctx.host, ctx.cluster.remote, ref, sha, null);
  // Refused: the same item is there already (published before a crash, or by a racing ingester).
  if (!r.ok && r.why === 'unreachable') throw unreachable(ctx, ref, 'publish', r.said);
  // Recorded once, by whoever created the ref.
  if (r.ok)
    await appendHistory(taskPaths(repo.paths, slug).historyFile, 'followup_forwarded', null, {
      id,
      to: holder,
      ref: `${ctx.cluster.remote} ${ref}`,
      file: `tasks/${name}`,
    });
  await fs.rm(source, { force: true });
  return { kind: 'forwarded', slug, id, to: holder };
}

/**
 * One poll of the remote inbox: settles the copies staged here by an earlier take and takes the
 * items of the tasks this host holds (or last held), in id order, as drops in tasks/. What to
 * do with each item is `inboxStep` (domain/inbox-take.ts), from the ref's state, the copy staged
 * here and this host's history. Only the one `ls-remote` when no item waits for this host and
 * nothing is staged. `known` remembers what each ref's commit is across polls (the poller keeps it). Returns lines for the watch log; throws when the remote is unreachable.
 */
export async function pollRemoteInbox(repo: Repo, known: KnownRefs = new Map()): Promise<string[]> {
  const ctx = clusterCtx(repo.info.root, repo.paths, repo.config.cluster);
  if (ctx === null) return [];
  let refs;
  try {
    refs = await listRemoteRefs(ctx.root, ctx.host, ctx.cluster.remote, 'refs/baton/*');
  } catch (err) {
    throw unreachable(ctx, 'refs/baton/*', 'read', err);
  }
  const claims = new Map<string, string>();
  const items = new Map<string, Map<string, string>>();
  for (const { ref, sha } of refs) {
    const claim = /^refs\/baton\/claims\/([^/]+)$/.exec(ref);
    if (claim?.[1]) claims.set(claim[1], sha);
    const item = /^refs\/baton\/inbox\/([^/]+)\/([^/]+)$/.exec(ref);
    if (item?.[1] && item[2]) items.set(item[1], (items.get(item[1]) ?? new Map()).set(item[2], sha));
  }
  const live = new Set(refs.map((r) => r.sha));
  for (const sha of known.keys()) if (!live.has(sha)) known.delete(sha);
  const staged = await stagedHere(repo);
  const lines: string[] = [];
  for (const slug of new Set([...items.keys(), ...staged.keys()])) {
    const list = items.get(slug) ?? new Map<string, string>();
    const mine = staged.get(slug) ?? new Set<string>();
    const claimSha = claims.get(slug);
    const holder =
      list.size > 0 &&
      claimSha !== undefined &&
      existsSync(taskPaths(repo.paths, slug).taskFile) &&
      (await isMine(ctx, slug, claimSha));
    const ids = inboxOrder([...new Set([...list.keys(), ...mine])]);
    for (const id of ids) {
      // An item not staged here on a task another host holds is that host's: nothing is read.
      if (!holder && !mine.has(id)) continue;
      const sha = list.get(id) ?? null;
      const said = await settleItem(repo, ctx, { slug, id, sha, staged: mine.has(id), holder }, known);
      if (said !== null) lines.push(said);
    }
  }
  return lines;
}

/** The ids of the copies staged here by earlier takes, by task; no process, two readdirs. */
async function stagedHere(repo: Repo): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const slug of await fs.readdir(repo.paths.inboxRoot).catch(() => [] as string[])) {
    const inbox = taskPaths(repo.paths, slug).inboxDir;
    for (const n of await fs.readdir(inbox).catch(() => [] as string[])) {
      const m = /^\.remote-(.+)$/.exec(n);
      if (!m?.[1] || n.endsWith('.tmp')) continue;
      out.set(slug, (out.get(slug) ?? new Set()).add(m[1]));
    }
  }
  return out;
}

async function isMine(ctx: ClusterCtx, slug: string, claimSha: string): Promise<boolean> {
  const mine = await readClaim(ctx.paths, slug);
  if (mine?.sha === claimSha) return mine.record.host === ctx.host;
  await fetchObjects(ctx.root, ctx.host, ctx.cluster.remote, [claimSha]);
  return decodeClaim(await commitMessage(ctx.root, claimSha))?.host === ctx.host;
}
