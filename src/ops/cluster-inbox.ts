/**
 * Follow-ups across hosts (docs/design.md, "Several hosts"). A drop accepted on a host that does
 * not hold the task's claim is published to `refs/baton/inbox/<slug>/<id>` on the remote (the
 * drop's text in a commit's `followup.md`) and leaves this host. The holder's watcher polls the
 * remote (`pollRemoteInbox`, one `git ls-remote`), and takes each item of its tasks in id order:
 * it stages the text on its disk, deletes the ref by compare-and-swap (so exactly one host takes
 * it), then renames the staged text into `tasks/` as a drop, which the watcher ingests exactly
 * once like any other. An item whose drop is already there or already in history (a publisher
 * that died and published again) is only deleted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { inboxOrder, remoteDropName, remoteInboxId } from '../domain/cluster.js';
import { BatonError } from '../domain/errors.js';
import { decodeClaim } from '../domain/cluster.js';
import {
  commitMessage,
  fetchObjects,
  followupCommit,
  followupText,
  listRemoteRefs,
  swapRef,
} from '../git/remote-refs.js';
import { clusterCtx, remoteClaim, unreachable, type ClusterCtx } from '../launch/claim.js';
import { readClaim } from '../store/claim.js';
import { appendHistory, readHistory } from '../store/history.js';
import { taskPaths } from '../store/paths.js';
import { readInputFile } from '../store/taskfiles.js';
import type { Repo } from './repo.js';

/** A drop sent on to the host holding the task. */
export interface Forwarded {
  kind: 'forwarded';
  slug: string;
  id: string;
  to: string;
}

/** The remote inbox ref of item `id` of `slug`. */
export function inboxRef(slug: string, id: string): string {
  return `refs/baton/inbox/${slug}/${id}`;
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
 * One poll of the remote inbox: takes the items of the tasks this host holds (or last held), in
 * id order, as drops in tasks/. Returns lines for the watch log. Throws when the remote is
 * unreachable.
 */
export async function pollRemoteInbox(repo: Repo): Promise<string[]> {
  const ctx = clusterCtx(repo.info.root, repo.paths, repo.config.cluster);
  if (ctx === null) return [];
  let refs;
  try {
    refs = await listRemoteRefs(ctx.root, ctx.host, ctx.cluster.remote, 'refs/baton/*');
  } catch (err) {
    throw unreachable(ctx, 'refs/baton/*', 'read', err);
  }
  const claims = new Map<string, string>();
  const items = new Map<string, { id: string; sha: string }[]>();
  for (const { ref, sha } of refs) {
    const claim = /^refs\/baton\/claims\/([^/]+)$/.exec(ref);
    if (claim?.[1]) claims.set(claim[1], sha);
    const item = /^refs\/baton\/inbox\/([^/]+)\/([^/]+)$/.exec(ref);
    if (item?.[1] && item[2]) items.set(item[1], [...(items.get(item[1]) ?? []), { id: item[2], sha }]);
  }
  const lines: string[] = [];
  // An item staged here whose ref is gone was taken by this host before it died: it goes on.
  for (const slug of await fs.readdir(repo.paths.inboxRoot).catch(() => [] as string[])) {
    const inbox = taskPaths(repo.paths, slug).inboxDir;
    for (const n of await fs.readdir(inbox).catch(() => [] as string[])) {
      const m = /^\.remote-([^.]+(?:\.[^.]+)*)$/.exec(n);
      if (!m?.[1] || n.endsWith('.tmp') || (items.get(slug) ?? []).some((i) => i.id === m[1])) continue;
      await fs.rename(path.join(inbox, n), path.join(repo.paths.tasksDir, remoteDropName(slug, m[1])));
    }
  }
  for (const [slug, list] of items) {
    const claimSha = claims.get(slug);
    if (claimSha === undefined || !existsSync(taskPaths(repo.paths, slug).taskFile)) continue;
    if (!(await isMine(ctx, slug, claimSha))) continue;
    const bySha = new Map(list.map((i) => [i.id, i.sha]));
    for (const id of inboxOrder(list.map((i) => i.id))) {
      const said = await takeItem(repo, ctx, slug, id, bySha.get(id)!);
      if (said !== null) lines.push(said);
    }
  }
  return lines;
}

async function isMine(ctx: ClusterCtx, slug: string, claimSha: string): Promise<boolean> {
  const mine = await readClaim(ctx.paths, slug);
  if (mine?.sha === claimSha) return mine.record.host === ctx.host;
  await fetchObjects(ctx.root, ctx.host, ctx.cluster.remote, [claimSha]);
  return decodeClaim(await commitMessage(ctx.root, claimSha))?.host === ctx.host;
}

async function takeItem(
  repo: Repo,
  ctx: ClusterCtx,
  slug: string,
  id: string,
  sha: string,
): Promise<string | null> {
  const name = remoteDropName(slug, id);
  const drop = path.join(repo.paths.tasksDir, name);
  const inbox = taskPaths(repo.paths, slug).inboxDir;
  const staged = path.join(inbox, `.remote-${id}`);
  const ref = inboxRef(slug, id);
  const del = (): ReturnType<typeof swapRef> =>
    swapRef(ctx.root, ctx.host, ctx.cluster.remote, ref, null, sha);
  if (await alreadyHere(repo, slug, name)) {
    await del();
    return null;
  }
  if (!existsSync(staged)) {
    await fetchObjects(ctx.root, ctx.host, ctx.cluster.remote, [sha]);
    const text = await followupText(ctx.root, sha);
    await fs.mkdir(inbox, { recursive: true });
    const tmp = `${staged}.${randomBytes(3).toString('hex')}.tmp`;
    await fs.writeFile(tmp, text);
    await fs.rename(tmp, staged);
  }
  const r = await del();
  if (!r.ok) {
    if (r.why === 'unreachable')
      throw new BatonError('REMOTE_UNAVAILABLE', `Could not take ${ctx.cluster.remote} ${ref}: ${r.said}`);
    await fs.rm(staged, { force: true }); // another host took it
    return null;
  }
  await fs.rename(staged, drop);
  return `${slug}: follow-up ${id} arrived from the remote inbox (${ctx.cluster.remote} ${ref})`;
}

/** The item is on this host already: its drop waits in tasks/, is being ingested, or is in history. */
async function alreadyHere(repo: Repo, slug: string, name: string): Promise<boolean> {
  if (existsSync(path.join(repo.paths.tasksDir, name))) return true;
  const inbox = taskPaths(repo.paths, slug).inboxDir;
  const claims = await fs.readdir(inbox).catch(() => [] as string[]);
  if (claims.some((n) => n.startsWith('.claim-') && n.endsWith(`.${name}`))) return true;
  const { events } = await readHistory(taskPaths(repo.paths, slug).historyFile);
  return events.some(
    (e) => (e.type === 'followup_received' || e.type === 'rejected') && e.file === `tasks/${name}`,
  );
}
