/**
 * Taking one remote inbox item (docs/design.md, "Several hosts", "Follow-ups cross hosts"): the
 * steps `inboxStep` (domain/inbox-take.ts) chooses, carried out in an order that leaves every
 * crash readable. A take stages the text (`tasks/logs/inbox/<slug>/.remote-<id>`), swaps the ref
 * from the item to a "taken by <this host>" record, hard-links the copy into `tasks/` as the drop,
 * deletes the record, and removes the copy last. So after a crash: a copy with the item still
 * on the remote was never taken; a copy with "taken by me" is this host's to deliver (or, if the
 * drop is here, only to clean up); a copy with the ref gone was delivered already, and one with
 * another host's record is that host's to deliver: either way it is dropped.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { remoteDropName } from '../domain/cluster.js';
import { BatonError } from '../domain/errors.js';
import { encodeTaken, inboxRefState, inboxStep, type InboxRefState } from '../domain/inbox-take.js';
import {
  commitMessage,
  fetchObjects,
  followupText,
  recordCommit,
  swapRef,
  type SwapResult,
} from '../git/remote-refs.js';
import type { ClusterCtx } from '../launch/claim.js';
import { crashPoint } from '../proc/crash.js';
import { readHistory } from '../store/history.js';
import { taskPaths } from '../store/paths.js';
import type { Repo } from './repo.js';

/** The remote inbox ref of item `id` of `slug`. */
export function inboxRef(slug: string, id: string): string {
  return `refs/baton/inbox/${slug}/${id}`;
}

/** One item as the poll found it: its ref's commit (null: gone), whether a copy is staged here, whether this host holds the task. */
export interface ItemSeen {
  slug: string;
  id: string;
  sha: string | null;
  staged: boolean;
  holder: boolean;
}

/**
 * What the commits of inbox refs were found to be, by id (a commit never changes): kept by the
 * poller across polls, so another host's record left on a task held here costs no process per poll.
 */
export type KnownRefs = Map<string, InboxRefState>;

/** Decides and carries out the step for one item; returns a line for the watch log, or null. */
export async function settleItem(
  repo: Repo,
  ctx: ClusterCtx,
  it: ItemSeen,
  known: KnownRefs,
): Promise<string | null> {
  const { slug, id, sha } = it;
  const name = remoteDropName(slug, id);
  const staged = path.join(taskPaths(repo.paths, slug).inboxDir, `.remote-${id}`);
  const ref = inboxRef(slug, id);
  const where = `${ctx.cluster.remote} ${ref}`;
  const state = await refState(ctx, sha, known);
  // Only an item this host takes, or its own record, turns on whether the drop is here already.
  const matters = state.kind === 'item' ? it.holder : state.kind === 'taken' && state.host === ctx.host;
  const here = matters && (await alreadyHere(repo, slug, name));
  const step = inboxStep(state, { staged: it.staged, here, holder: it.holder }, ctx.host);
  const swap = (to: string | null, from: string): Promise<SwapResult> =>
    swapRef(ctx.root, ctx.host, ctx.cluster.remote, ref, to, from);
  switch (step) {
    case 'leave':
      return null;
    case 'discard':
      await fs.rm(staged, { force: true });
      return `${slug}: follow-up ${id} ${takerOf(state)}; dropped the copy staged here`;
    case 'remove-item':
    case 'finish':
      await must(swap(null, sha!), where, 'delete');
      await fs.rm(staged, { force: true });
      return null;
    case 'deliver':
      await deliver(repo, staged, name, () => swap(null, sha!), where);
      return `${slug}: follow-up ${id} arrived from the remote inbox (${where}; taken before a restart)`;
    case 'take': {
      if (!it.staged) await stage(ctx, staged, sha!);
      crashPoint('inbox.after-stage');
      const record = await recordCommit(
        ctx.root,
        ctx.host,
        encodeTaken({ slug, id, host: ctx.host, at: new Date().toISOString() }),
      );
      const r = await swap(record, sha!);
      if (!r.ok) {
        if (r.why === 'unreachable') throw takeFailed(where, 'take', r.said); // the copy stays: the next poll reads the ref again
        await fs.rm(staged, { force: true }); // another host took it
        return null;
      }
      crashPoint('inbox.after-take');
      await deliver(repo, staged, name, () => swap(null, record), where);
      return `${slug}: follow-up ${id} arrived from the remote inbox (${where})`;
    }
  }
}

/** The ref's state: gone, the item, or a taken record (read from its commit, fetched by id). */
async function refState(ctx: ClusterCtx, sha: string | null, known: KnownRefs): Promise<InboxRefState> {
  if (sha === null) return { kind: 'absent' };
  const seen = known.get(sha);
  if (seen !== undefined) return seen;
  await fetchObjects(ctx.root, ctx.host, ctx.cluster.remote, [sha]);
  const state = inboxRefState(await commitMessage(ctx.root, sha));
  known.set(sha, state);
  return state;
}

/** Writes the item's text to the staged copy, whole (temp file, then rename). */
async function stage(ctx: ClusterCtx, staged: string, sha: string): Promise<void> {
  const text = await followupText(ctx.root, sha);
  await fs.mkdir(path.dirname(staged), { recursive: true });
  const tmp = `${staged}.${randomBytes(3).toString('hex')}.tmp`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, staged);
}

/**
 * The drop appears in tasks/ by a hard link, so the staged copy outlives it until the taken record
 * is deleted: a copy whose ref is gone was then always delivered already (by this drop, or by
 * the host that took it), and a copy with "taken by me" is told apart by whether its drop is here.
 */
async function deliver(
  repo: Repo,
  staged: string,
  name: string,
  deleteRecord: () => Promise<SwapResult>,
  where: string,
): Promise<void> {
  try {
    await fs.link(staged, path.join(repo.paths.tasksDir, name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  crashPoint('inbox.after-deliver');
  await must(deleteRecord(), where, 'delete');
  await fs.rm(staged, { force: true });
}

/** A refused delete is someone else's change (nothing left to do); an unreachable remote is an error. */
async function must(p: Promise<SwapResult>, where: string, what: string): Promise<void> {
  const r = await p;
  if (!r.ok && r.why === 'unreachable') throw takeFailed(where, what, r.said);
}

function takeFailed(where: string, what: string, said: string): BatonError {
  return new BatonError('REMOTE_UNAVAILABLE', `Could not ${what} ${where}: ${said}`, {
    hint: 'The follow-up stays on the remote; the next poll tries again.',
  });
}

/** Why a staged copy is not this host's to deliver, for the watch log. */
function takerOf(state: InboxRefState): string {
  if (state.kind === 'taken') return `was taken by host ${state.host}`;
  if (state.kind === 'item') return 'is left on the remote for the host that now holds the task';
  return 'was taken and delivered by another host';
}

/** The item is on this host already: its drop waits in tasks/, is being ingested, or is in history. */
async function alreadyHere(repo: Repo, slug: string, name: string): Promise<boolean> {
  const drop = path.join(repo.paths.tasksDir, name);
  if (existsSync(drop) || existsSync(`${drop}.rejected`)) return true;
  const inbox = taskPaths(repo.paths, slug).inboxDir;
  const claims = await fs.readdir(inbox).catch(() => [] as string[]);
  if (claims.some((n) => n.startsWith('.claim-') && n.endsWith(`.${name}`))) return true;
  const { events } = await readHistory(taskPaths(repo.paths, slug).historyFile);
  return events.some(
    (e) =>
      (e.type === 'followup_received' || e.type === 'rejected' || e.type === 'followup_forwarded') &&
      e.file === `tasks/${name}`,
  );
}
