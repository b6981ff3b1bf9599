/**
 * Which prompt a chain runs next: the first prompt its start asks for, prompts a killed worker
 * recorded but no agent received (sent again, with the same follow-ups), and then the inbox:
 * the oldest interrupt follow-up, else the oldest queued one (all of them with
 * `batchFollowups`). A follow-up some `prompt_sent` already named is removed, never run twice.
 */
import { CONTINUE_INSTRUCTION, joinFollowups } from '../domain/prompts.js';
import type { PromptSent } from '../domain/history.js';
import type { Task } from '../domain/types.js';
import {
  isControl,
  kindOfId,
  listInbox,
  publishRecordedClaims,
  readItem,
  removeItem,
  type InboxItem,
  type InboxKind,
} from '../store/inbox.js';
import type { StartKind } from '../domain/assignment.js';
import { followupIdsOf } from './deliveries.js';

/** One prompt to run. */
export interface Step {
  /** `task`, `continue`, `followup`, `interrupt`: recorded with the prompt. */
  kind: string;
  prompt: string;
  /** Resume the current session, or start a new one. */
  resume: boolean;
  /** Inbox items this step delivers; removed once its prompt_sent is recorded. */
  items: InboxItem[];
  /** The earlier `prompt_sent` (of a killed worker, never reached an agent) this step sends again. */
  redelivers?: { runId: string; n: number };
}

/**
 * The steps a chain starts with, before it looks at the inbox: prompts that never reached an
 * agent go first, except that a new task's own prompt goes before them.
 */
export function openingSteps(start: StartKind, task: Task, undelivered: readonly PromptSent[]): Step[] {
  const first = firstStep(start, task);
  const again = undelivered.map(redeliveryStep);
  return first === null ? again : first.kind === 'task' ? [first, ...again] : [...again, first];
}

function firstStep(start: StartKind, task: Task): Step | null {
  switch (start.kind) {
    case 'new':
    case 'fresh':
      return { kind: 'task', prompt: task.body, resume: false, items: [] };
    case 'continue':
      return { kind: 'continue', prompt: start.text ?? CONTINUE_INSTRUCTION, resume: true, items: [] };
    case 'inbox':
      return null;
  }
}

/** Sends again a `prompt_sent` that never reached an agent: the same prompt, the same follow-ups. */
function redeliveryStep(r: PromptSent): Step {
  const ids = followupIdsOf(r);
  const modes = r.modes ?? [];
  return {
    kind: r.kind ?? 'followup',
    prompt: r.prompt,
    resume: r.mode === 'resume',
    items: ids.map((id, i) => ({
      id,
      kind: (modes[i] as InboxKind | undefined) ?? kindOfId(id),
      body: '',
      label: null,
      runId: null,
    })),
    redelivers: { runId: String(r.runId), n: Number(r.n) },
  };
}

/** Where the inbox is and what the chain already knows, for {@link nextFromInbox}. */
export interface InboxLook {
  inboxDir: string;
  historyFile: string;
  /** The chain's own run: a control item for another run is stale. */
  runId: string;
  /** Follow-up ids some `prompt_sent` named. */
  sent: ReadonlySet<string>;
  batchFollowups: boolean;
  /** Called (before the item is removed) when a stop or stall for this run is found. */
  onStop(kind: 'stop' | 'stall'): void;
}

/**
 * The next step from the inbox, or null: nothing waits, or a stop for this run was found (then
 * `onStop` was called, and the chain ends). Kinds are in the ids, so only the items chosen are read.
 */
export async function nextFromInbox(look: InboxLook): Promise<Step | null> {
  const dir = look.inboxDir;
  // An accepted follow-up whose ingester died before publishing it runs in its place in line.
  await publishRecordedClaims(dir, look.historyFile);
  const waiting: string[] = [];
  for (const id of await listInbox(dir)) {
    if (isControl(kindOfId(id))) {
      const item = await readItem(dir, id);
      if (item === null) continue;
      // Between runs, a stop for this run ends the chain; one for another run is stale.
      const ours = item.runId === null || item.runId === look.runId;
      if (ours) look.onStop(item.kind === 'stall' ? 'stall' : 'stop');
      await removeItem(dir, id);
      if (ours) return null;
    } else if (look.sent.has(id)) {
      await removeItem(dir, id); // sent before a crash: never twice
    } else {
      waiting.push(id);
    }
  }
  const interrupt = await firstReadable(
    dir,
    waiting.filter((id) => kindOfId(id) === 'interrupt'),
  );
  if (interrupt) return { kind: 'interrupt', prompt: interrupt.body, resume: true, items: [interrupt] };
  const taken = look.batchFollowups
    ? (await Promise.all(waiting.map((id) => readItem(dir, id)))).filter((i) => i !== null)
    : [await firstReadable(dir, waiting)].filter((i) => i !== null);
  if (taken.length === 0) return null;
  // A steer that could not go into a live session runs as a queued follow-up; history says so.
  return {
    kind: 'followup',
    prompt: joinFollowups(taken.map((i) => i.body)),
    resume: true,
    items: taken,
  };
}

/** The first of `ids` that can still be read (one may be gone or unreadable), or null. */
async function firstReadable(dir: string, ids: readonly string[]): Promise<InboxItem | null> {
  for (const id of ids) {
    const item = await readItem(dir, id);
    if (item !== null) return item;
  }
  return null;
}
