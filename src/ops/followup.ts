/**
 * `baton followup`: write the drop file atomically, ingest it at once, then make sure it runs:
 * wake the live worker (a signal makes it look at its inbox now: steer and interrupt act at
 * once) or start one.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { BatonError } from '../domain/errors.js';
import type { FollowupMode } from '../domain/types.js';
import { liveness } from '../proc/identity.js';
import { writeDrop } from '../store/drop.js';
import { readHistory } from '../store/history.js';
import { inspectLock } from '../store/lock.js';
import { taskPaths } from '../store/paths.js';
import { readStatus } from '../store/status.js';
import { dispatch } from './dispatch.js';
import { ingestDrop } from './ingest.js';
import { loadTask, taskWorktree, type Repo } from './repo.js';
import { gitDirOf } from '../git/repo.js';

/** What happened to an accepted follow-up. */
export interface FollowupResult {
  id: string;
  mode: FollowupMode;
  /** The worker that will run it: an existing one (woken) or a new one. */
  worker: { pid: number; runId: string; started: boolean } | null;
  /** Its number among the task's accepted follow-ups (#1, #2, ...), as `baton history` shows it. */
  number: number | null;
  /** The agent the task runs. */
  agent: string;
  /** True when that agent takes messages into a running session (a steer goes in live). */
  liveInput: boolean;
  /** Why no worker was started for it now (its agent is at its usage limit), in words. */
  waiting?: string;
  /** The task has not run and waits for its `after:` (TASK_BLOCKED): `waiting` says for what. */
  blocked?: boolean;
  /** Cluster mode: the host holding the task, to which the follow-up went through the remote inbox. */
  forwardedTo?: string;
}

/** Accepts a follow-up from the CLI and makes sure a worker runs it. */
export async function sendFollowup(
  repo: Repo,
  slug: string,
  mode: FollowupMode,
  text: string,
): Promise<FollowupResult> {
  const task = await loadTask(repo, slug);
  if (task.status === 'draft' || task.status === 'cancelled') {
    throw new BatonError(
      'TASK_NOT_DISPATCHABLE',
      `Task ${slug} is ${task.status}, so it takes no follow-ups.`,
      {
        hint: `Set \`status: ready\` in tasks/${slug}.md first.`,
      },
    );
  }
  if (text.trim() === '') {
    throw new BatonError('USAGE', 'The follow-up is empty.', {
      hint: 'Give the instruction as TEXT or with --file F.',
    });
  }
  const name = `${slug}.cli-${Date.now()}-${randomBytes(3).toString('hex')}.followup.md`;
  await writeDrop(repo.paths.tasksDir, name, mode === 'queue' ? text : `---\nmode: ${mode}\n---\n${text}`);
  let result = await ingestDrop(repo, name);
  if (result.kind === 'skipped') {
    // The watcher took it first; in cluster mode it may have sent it to the host holding the task.
    const { events } = await readHistory(taskPaths(repo.paths, slug).historyFile);
    const sent = events.find((e) => e.type === 'followup_forwarded' && e.file === `tasks/${name}`);
    if (sent?.type === 'followup_forwarded') result = { kind: 'forwarded', slug, id: sent.id, to: sent.to };
  }
  if (result.kind === 'rejected') {
    throw new BatonError('BAD_FOLLOWUP', `The follow-up was rejected: ${result.reason}.`, {
      hint: `It is kept as ${result.file}.`,
    });
  }
  const agent = task.agent ?? repo.config.defaultAgent;
  const config = Object.hasOwn(repo.config.agents, agent) ? repo.config.agents[agent] : undefined;
  const about = { agent, liveInput: config?.preset === 'claude' && config.liveInput };
  if (result.kind === 'forwarded')
    // Cluster mode: the host holding the task runs it; nothing starts here.
    return {
      id: result.id,
      mode,
      worker: null,
      number: null,
      ...about,
      forwardedTo: result.to,
    };
  // Skipped: the watcher ingested it first; it is accepted all the same.
  const id = result.kind === 'skipped' ? name : result.id;
  const number = await followupNumber(taskPaths(repo.paths, slug).historyFile, id, `tasks/${name}`);
  let worker: FollowupResult['worker'];
  let waiting: string | undefined;
  let blocked = false;
  try {
    worker = await ensureWorker(repo, slug);
  } catch (err) {
    // Accepted and queued: it runs when the agent's limit resets, after the task's resume; or,
    // for a task blocked on its `after:`, after its first run once that is met.
    // Cluster mode: another host holds the task (the watcher sent the drop on before we looked).
    const waits = ['AGENT_LIMITED', 'TASK_BLOCKED', 'CLAIM_HELD', 'CLAIM_ELSEWHERE'];
    if (!(err instanceof BatonError && waits.includes(err.code))) throw err;
    worker = null;
    waiting = err.message;
    blocked = err.code === 'TASK_BLOCKED';
  }
  return {
    id,
    mode: result.kind === 'skipped' ? mode : result.mode,
    worker,
    number,
    ...about,
    ...(waiting === undefined ? {} : { waiting }),
    ...(blocked ? { blocked } : {}),
  };
}

/** The ordinal of the follow-up recorded with `id` (or, ingested by the watcher, from `file`). */
async function followupNumber(historyFile: string, id: string, file: string): Promise<number | null> {
  const { events } = await readHistory(historyFile);
  let n = 0;
  for (const e of events) {
    if (e.type !== 'followup_received') continue;
    n++;
    if (e.id === id || e.file === file) return n;
  }
  return null;
}

/**
 * Makes sure a worker will look at `slug`'s inbox: wakes the live one, or starts one (a task
 * that never ran gets its task prompt first). A start that finds the lock taken is fine: the
 * holder drains the inbox before it ends. Throws AGENT_LIMITED when the task's agent is at its
 * usage limit: the follow-up waits in the inbox for the reset.
 */
export async function ensureWorker(repo: Repo, slug: string): Promise<FollowupResult['worker']> {
  const live = await liveHolder(repo, slug);
  if (live) {
    wake(live.pid);
    return { pid: live.pid, runId: live.runId, started: false };
  }
  try {
    const status = await readStatus(taskPaths(repo.paths, slug).statusFile);
    const ranBefore = (status?.runs ?? 0) > 0;
    const started = await dispatch(repo, slug, {
      inboxOnly: ranBefore,
      allowFinished: true,
      respectLimits: true,
    });
    return { pid: started.pid, runId: started.runId, started: true };
  } catch (err) {
    if (err instanceof BatonError && err.code === 'BUSY') {
      const again = await liveHolder(repo, slug);
      if (again) wake(again.pid);
      return again ? { pid: again.pid, runId: again.runId, started: false } : null;
    }
    throw err;
  }
}

/** The live lock holder of a task, or null. */
export async function liveHolder(repo: Repo, slug: string): Promise<{ pid: number; runId: string } | null> {
  const { worktree } = taskWorktree(repo.config, slug);
  let gitDir: string;
  try {
    gitDir = await gitDirOf(worktree);
  } catch {
    return null;
  }
  const lock = await inspectLock(path.join(gitDir, 'baton.lock'));
  if (!lock.live || !lock.record) return null;
  if ((await liveness(lock.record.holder)) !== 'alive') return null;
  return { pid: lock.record.holder.pid, runId: lock.record.runId };
}

/**
 * The signal that tells a worker to look at its inbox now. SIGURG because its default action is
 * to ignore it: a worker signalled before it installed its handler (still starting) must not die.
 */
export const WAKE_SIGNAL = 'SIGURG';

/** Tells a worker to look at its inbox now. */
export function wake(pid: number): void {
  try {
    process.kill(pid, WAKE_SIGNAL);
  } catch {
    // gone: its successor (or the heartbeat) will look
  }
}
