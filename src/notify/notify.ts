/**
 * Telling a person: `notify(repo, {event, slug, ...})`, called by whoever records a transition
 * (the worker's recorder, the heartbeat's `mark`, doctor; later `baton pr` and the PR watch),
 * right after the history line that records it. It never throws and never waits: when a
 * notifier wants the event, one small detached Node process (`dist/cli/notify-main.js`, started
 * here without execa) is handed the job in its environment and runs the notifiers, each with its
 * own timeout, and logs what failed in `tasks/logs/notify.log` (deliver.ts). Detached, because the
 * caller may be a worker that exits a moment later: a promise of its own would die with it.
 *
 * Once per transition: the caller notifies only for the transition it recorded itself, so a
 * heartbeat that writes a state already recorded (scheduling a retry) or a restarted watcher
 * tells nobody again. A crash between the history line and this call loses the notification
 * (at most once, never twice).
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { notifiersFor, type NotifierConfig, type NotifyEvent } from '../domain/notify.js';
import { spawnDetachedNow } from '../proc/exec.js';
import { repoPaths } from '../store/paths.js';

/** Where to notify: a `Repo`, or a repository root with its config (a worker has those). */
export type NotifyTarget =
  | { paths: { root: string }; config: { notify?: readonly NotifierConfig[] } }
  | { root: string; config: { notify?: readonly NotifierConfig[] } };

/**
 * What happened. `detail` is one sentence for a person (default: one per event); `ts` is the
 * recording history line's (default: now). Any other field is passed through to the JSON the
 * notifier reads (a PR's `url` and `number`, a check's `check`, ...). Title, branch and
 * worktree are filled in from the task and its status when not given.
 */
export interface NotifyInput {
  event: NotifyEvent;
  slug: string;
  state?: string | null;
  detail?: string | null;
  runId?: string | null;
  ts?: string;
  by?: string;
  title?: string;
  branch?: string | null;
  worktree?: string | null;
  [extra: string]: unknown;
}

/** What the detached deliverer is handed (in `BATON_NOTIFY_JOB`). */
export interface NotifyJob {
  root: string;
  input: NotifyInput & { ts: string };
  notifiers: { index: number; notifier: NotifierConfig }[];
}

/** The environment variable that carries the job to the deliverer. */
export const NOTIFY_JOB_VAR = 'BATON_NOTIFY_JOB';

/**
 * Sends `input` to every notifier of the target's config that wants its event; returns at once.
 * Never throws: a notification is never worth failing the caller for.
 */
export function notify(target: NotifyTarget, input: NotifyInput): void {
  const root = 'root' in target ? target.root : target.paths.root;
  try {
    const notifiers = notifiersFor(target.config.notify ?? [], input.event);
    if (notifiers.length === 0) return;
    const job: NotifyJob = { root, input: { ...input, ts: input.ts ?? new Date().toISOString() }, notifiers };
    const { child } = spawnDetachedNow(process.execPath, [deliverEntry()], {
      cwd: root,
      env: { ...process.env, [NOTIFY_JOB_VAR]: JSON.stringify(job) },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    child.once('error', (e) =>
      logSync(root, `could not start the notifiers for ${input.event} of ${input.slug}: ${e.message}`),
    );
    child.unref();
  } catch (e) {
    logSync(
      root,
      `could not start the notifiers for ${input.event} of ${input.slug}: ${(e as Error).message}`,
    );
  }
}

/** The deliverer's entry: `dist/cli/notify-main.js`, beside this module's folder. */
export function deliverEntry(): string {
  return fileURLToPath(new URL('../cli/notify-main.js', import.meta.url));
}

/** The log of notifiers that failed: `tasks/logs/notify.log`. */
export function notifyLogFile(root: string): string {
  return path.join(repoPaths(root).logsDir, 'notify.log');
}

function logSync(root: string, message: string): void {
  try {
    appendFileSync(notifyLogFile(root), `${new Date().toISOString()} ${message}\n`);
  } catch {
    // nowhere left to say it
  }
}
