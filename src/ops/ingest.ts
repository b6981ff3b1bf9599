/**
 * Accepting a follow-up drop (docs/reference.md, "Files baton writes"; docs/design.md, "Follow-ups reach an agent exactly once"). The drop is first claimed by renaming it
 * into the task's inbox under a dot-name (atomic: of the CLI and the watcher racing for one
 * drop, exactly one gets it), then checked, then recorded (`followup_received`, naming the
 * claim and the item id), then published under its arrival-ordered id. Recording first means
 * nothing ever runs unrecorded; a claim whose ingester died after recording is published under
 * the recorded id by whoever finds it (the worker, or the heartbeat), without a second record.
 * A drop that cannot be accepted is renamed `<name>.rejected` where it was, with a line in
 * `rejected.jsonl`: bad input is never deleted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { formatProblem } from '../domain/errors.js';
import { crashPoint } from '../proc/crash.js';
import { classifyTaskEntry, printable } from '../domain/files.js';
import { parseFollowup } from '../domain/followup.js';
import type { FollowupMode } from '../domain/types.js';
import { appendHistory, appendLine, isNotFound } from '../store/history.js';
import { newItemId, publishClaim, recordedClaims } from '../store/inbox.js';
import { taskPaths } from '../store/paths.js';
import { loadTaskFile, readInputFile } from '../store/taskfiles.js';
import type { Repo } from './repo.js';
import { forwardIfElsewhere, type Forwarded } from './cluster-inbox.js';

/** What became of a drop. */
export type IngestResult =
  | { kind: 'accepted'; slug: string; id: string; mode: FollowupMode; body: string }
  | { kind: 'rejected'; file: string; reason: string; slug: string | null }
  /** Not a follow-up drop, or gone (another process took it). */
  | { kind: 'skipped' }
  /** Cluster mode: another host holds the task; the drop went to the remote inbox (ops/cluster-inbox.ts). */
  | Forwarded;

/** Ingests `tasks/<name>` if it is a follow-up drop. Never throws for bad input. */
export async function ingestDrop(repo: Repo, name: string): Promise<IngestResult> {
  const entry = classifyTaskEntry(name);
  if (entry.kind === 'bad-followup')
    return reject(repo, name, path.join(repo.paths.tasksDir, name), entry.reason, null);
  if (entry.kind !== 'followup') return { kind: 'skipped' };
  const slug = entry.slug;
  const source = path.join(repo.paths.tasksDir, name);
  if (!existsSync(source) && !(await isSymlink(source))) return { kind: 'skipped' };

  const task = await loadTaskFile(repo.info.root, `${slug}.md`);
  if (!task.ok) {
    const missing = !existsSync(path.join(repo.paths.tasksDir, `${slug}.md`));
    const reason = missing
      ? `there is no task ${slug} (tasks/${slug}.md does not exist)`
      : `the task file tasks/${slug}.md is invalid (${task.error.map(formatProblem).join('; ')})`;
    return reject(repo, name, source, reason, missing ? null : slug);
  }
  if (task.value.status === 'draft' || task.value.status === 'cancelled') {
    return reject(
      repo,
      name,
      source,
      `task ${slug} is ${task.value.status}; follow-ups go only to tasks that are not draft or cancelled`,
      slug,
    );
  }

  const forwarded = await forwardIfElsewhere(repo, slug, name);
  if (forwarded !== null) return forwarded;

  const tp = taskPaths(repo.paths, slug);
  await fs.mkdir(tp.inboxDir, { recursive: true });
  const claim = path.join(tp.inboxDir, `.claim-${randomBytes(4).toString('hex')}.${name}`);
  try {
    await fs.rename(source, claim);
  } catch (err) {
    if (isNotFound(err)) return { kind: 'skipped' }; // someone else claimed it
    throw err;
  }
  crashPoint('ingest.after-claim');
  return settleClaim(repo, slug, name, claim, { recovering: false });
}

/**
 * Finishes a claimed drop: publish it in the inbox, or put it back as rejected. Also used to
 * recover claims left by a process killed between claiming and publishing.
 */
export async function settleClaim(
  repo: Repo,
  slug: string,
  name: string,
  claim: string,
  opts: { recovering: boolean },
): Promise<IngestResult> {
  const tp = taskPaths(repo.paths, slug);
  const read = await readInputFile(claim, `tasks/${printable(name)}`);
  const parsed = read.ok ? parseFollowup(`tasks/${printable(name)}`, read.value) : read;
  if (!parsed.ok) {
    return reject(repo, name, claim, parsed.error.map(formatProblem).join('; '), slug);
  }
  const { mode, body } = parsed.value;
  const claimName = path.basename(claim);
  const recorded = opts.recovering
    ? (await recordedClaims(tp.historyFile, [claimName])).get(claimName)
    : undefined;
  if (recorded !== undefined) {
    // Accepted before its ingester died: publish under the recorded id, record nothing new.
    await publishClaim(tp.inboxDir, claimName, recorded);
    return { kind: 'accepted', slug, id: recorded, mode, body };
  }
  const label = classifyTaskEntry(name).kind === 'followup' ? labelOf(name) : null;
  const id = newItemId(mode, label);
  await appendHistory(tp.historyFile, 'followup_received', null, {
    id,
    mode,
    file: `tasks/${name}`,
    claim: claimName,
    body,
  });
  crashPoint('ingest.after-record');
  await publishClaim(tp.inboxDir, claimName, id);
  crashPoint('ingest.after-publish');
  return { kind: 'accepted', slug, id, mode, body };
}

/** Claims older than this were left by a process killed mid-ingest. */
const STALE_CLAIM_MS = 10_000;

/** Settles claims in `slug`'s inbox left by a killed ingester, so such a follow-up is not lost. */
export async function recoverClaims(
  repo: Repo,
  slug: string,
  now: number = Date.now(),
): Promise<IngestResult[]> {
  const dir = taskPaths(repo.paths, slug).inboxDir;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const results: IngestResult[] = [];
  for (const n of names) {
    const m = /^\.claim-[0-9a-f]+\.(.+)$/.exec(n);
    if (!m?.[1]) continue;
    const st = await fs.lstat(path.join(dir, n)).catch(() => null);
    if (!st || now - st.mtimeMs < STALE_CLAIM_MS) continue;
    results.push(await settleClaim(repo, slug, m[1], path.join(dir, n), { recovering: true }));
  }
  return results;
}

function labelOf(name: string): string | null {
  const m = /^[a-z0-9][a-z0-9-]{0,62}\.([A-Za-z0-9_-]{1,64})\.followup\.md$/.exec(name);
  return m?.[1] ?? null;
}

async function reject(
  repo: Repo,
  name: string,
  from: string,
  reason: string,
  slug: string | null,
): Promise<IngestResult> {
  const target = await freeRejectedName(repo.paths.tasksDir, name);
  try {
    await fs.rename(from, target);
  } catch (err) {
    if (isNotFound(err)) return { kind: 'skipped' };
    throw err;
  }
  const file = `tasks/${printable(path.basename(target))}`;
  const line = { ts: new Date().toISOString(), file: `tasks/${printable(name)}`, renamedTo: file, reason };
  await fs.mkdir(repo.paths.logsDir, { recursive: true });
  await appendLine(repo.paths.rejectedFile, JSON.stringify(line));
  if (slug !== null)
    await appendHistory(taskPaths(repo.paths, slug).historyFile, 'rejected', null, {
      file: line.file,
      reason,
    });
  return { kind: 'rejected', file: line.file, reason, slug };
}

/** `<name>.rejected`, or `<name>.<n>.rejected` when that is taken: an earlier rejected drop is never overwritten. */
async function freeRejectedName(dir: string, name: string): Promise<string> {
  // A name with a slash or NUL cannot come from readdir; a newline can, and stays in the name.
  for (let n = 0; ; n++) {
    const candidate = path.join(dir, n === 0 ? `${name}.rejected` : `${name}.${n}.rejected`);
    if (!existsSync(candidate) && !(await isSymlink(candidate))) return candidate;
  }
}

async function isSymlink(p: string): Promise<boolean> {
  try {
    return (await fs.lstat(p)).isSymbolicLink();
  } catch {
    return false;
  }
}
