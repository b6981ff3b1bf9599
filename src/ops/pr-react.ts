/**
 * Sending a PR reaction to the task as a follow-up, exactly once (docs/design.md, "Pull
 * requests"). The reaction is recorded first (`pr_checks_failed` / `pr_review`, with its keys, the
 * drop's name and its words), then written as an ordinary follow-up drop,
 * `tasks/<slug>.pr-<hash>.followup.md`, which the watcher ingests like any other: queued behind
 * a running worker, or starting one when a slot is free. A reaction recorded whose drop never got
 * written (a kill in between) is written at the next poll; one whose drop is on its way (lying in
 * tasks/, claimed, accepted or rejected) is not written again.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { HistoryEvent, HistoryFields } from '../domain/history.js';
import { reactionLabel } from '../domain/pr-react.js';
import { crashPoint } from '../proc/crash.js';
import { writeDrop } from '../store/drop.js';
import { appendHistory, readHistory } from '../store/history.js';
import { taskPaths } from '../store/paths.js';
import type { Repo } from './repo.js';

type ReactionType = 'pr_checks_failed' | 'pr_review';

/** The keys every recorded reaction of the task reacted to. */
export function reactedKeys(events: readonly HistoryEvent[]): Set<string> {
  const out = new Set<string>();
  for (const e of events)
    if (e.type === 'pr_checks_failed' || e.type === 'pr_review') for (const k of e.keys) out.add(k);
  return out;
}

/** Records a reaction and writes its follow-up drop; returns the drop's name. */
export async function sendReaction<T extends ReactionType>(
  repo: Repo,
  slug: string,
  type: T,
  fields: Omit<HistoryFields<T>, 'followup'>,
): Promise<string> {
  const name = `${slug}.${reactionLabel(fields.keys)}.followup.md`;
  const tp = taskPaths(repo.paths, slug);
  await appendHistory(tp.historyFile, type, null, { ...fields, followup: name } as HistoryFields<T>);
  crashPoint('pr.after-record');
  await writeDrop(repo.paths.tasksDir, name, fields.text);
  return name;
}

/**
 * Writes the drop of every recorded reaction of the task that is neither on its way nor
 * accepted: what a kill between the record and the drop left. Returns the names written.
 */
export async function resendLost(repo: Repo, slug: string): Promise<string[]> {
  const tp = taskPaths(repo.paths, slug);
  const sent: string[] = [];
  const { events } = await readHistory(tp.historyFile);
  const reactions = events.filter(
    (e): e is Extract<HistoryEvent, { type: ReactionType }> =>
      e.type === 'pr_checks_failed' || e.type === 'pr_review',
  );
  for (const r of reactions) {
    if (await onItsWay(repo, slug, r.followup)) continue;
    await writeDrop(repo.paths.tasksDir, r.followup, r.text);
    sent.push(r.followup);
  }
  return sent;
}

/**
 * True when the drop `name` is lying in tasks/, claimed in the inbox, rejected, or recorded as
 * accepted. Looked at in the order an ingest moves it (drop → claim → history), so a drop
 * moving on while this looks is still seen somewhere.
 */
async function onItsWay(repo: Repo, slug: string, name: string): Promise<boolean> {
  const tp = taskPaths(repo.paths, slug);
  if (existsSync(path.join(repo.paths.tasksDir, name))) return true;
  if (listed(tp.inboxDir).some((n) => n.startsWith('.claim-') && n.endsWith(`.${name}`))) return true;
  if (listed(repo.paths.tasksDir).some((n) => n.startsWith(`${name}.`) && n.endsWith('.rejected')))
    return true;
  const { events } = await readHistory(tp.historyFile);
  const file = `tasks/${name}`;
  return events.some((e) => (e.type === 'followup_received' || e.type === 'rejected') && e.file === file);
}

function listed(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
