/**
 * The detached deliverer (`dist/cli/notify-main.js`, started by notify.ts): fills in the event
 * (the task's title, its branch and worktree from status), runs every chosen notifier at once,
 * each cut off at its own timeout with its whole process group, and says what failed in
 * `tasks/logs/notify.log`: one line when a notifier starts failing or fails differently, none
 * while it keeps failing the same way, one when it works again. What each notifier last failed
 * with is remembered in `tasks/logs/notify-failures.json`. Two deliverers at once may both write
 * the first line of the same failure: rare, and only a line.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import {
  defaultDetail,
  notifierArgv,
  notifierName,
  notifyVariables,
  type NotifierConfig,
  type NotifyPayload,
} from '../domain/notify.js';
import { runBounded, type Ran } from '../proc/exec.js';
import { repoPaths, taskPaths } from '../store/paths.js';
import { readStatus } from '../store/status.js';
import { loadTaskFile } from '../store/taskfiles.js';
import { NOTIFY_JOB_VAR, notifyLogFile, type NotifyJob } from './notify.js';

/** Variables a notifier never inherits: the job itself, and the run id by which baton knows its agents. */
const NOT_INHERITED = [NOTIFY_JOB_VAR, 'BATON_RUN_ID', 'BATON_CRASH_AT'];

/** Reads the job from `env` and delivers it. Never throws. */
export async function deliverFromEnv(env: Record<string, string | undefined>): Promise<void> {
  const text = env[NOTIFY_JOB_VAR];
  if (text === undefined) return;
  let job: NotifyJob;
  try {
    job = JSON.parse(text) as NotifyJob;
  } catch {
    return; // not ours to read: nothing says where to log it
  }
  const inherited = { ...env };
  for (const name of NOT_INHERITED) delete inherited[name];
  try {
    await deliver(job, inherited);
  } catch (e) {
    await log(job.root, `notifying ${job.input.event} of ${job.input.slug} failed: ${(e as Error).message}`);
  }
}

/** Runs the job's notifiers, all at once, and logs what changed in how each fares. */
export async function deliver(job: NotifyJob, env: Record<string, string | undefined>): Promise<void> {
  const payload = await payloadOf(job);
  const outcomes = await Promise.all(
    job.notifiers.map(async ({ index, notifier }) => {
      const [file = '', ...args] = notifierArgv(notifier, payload);
      const ran = await runBounded(file, args, {
        cwd: job.root,
        env: { ...env, ...notifyVariables(payload) },
        input: `${JSON.stringify(payload)}\n`,
        timeoutMs: notifier.timeoutSeconds * 1000,
      });
      return { index, notifier, ran };
    }),
  );
  await recordOutcomes(job.root, payload, outcomes);
}

/** The JSON a notifier reads: what the caller said, with what it left out read from the task. */
async function payloadOf(job: NotifyJob): Promise<NotifyPayload> {
  const { input, root } = job;
  const status = await readStatus(taskPaths(repoPaths(root), input.slug).statusFile).catch(() => null);
  let title = input.title;
  if (title === undefined) {
    const task = await loadTaskFile(root, `${input.slug}.md`).catch(() => null);
    title = (task?.ok === true ? task.value.title : undefined) ?? input.slug;
  }
  return {
    ...input,
    event: input.event,
    slug: input.slug,
    state: input.state !== undefined ? input.state : (status?.state ?? null),
    ts: input.ts,
    title,
    detail: input.detail ?? defaultDetail(input.event),
    runId: input.runId !== undefined ? input.runId : (status?.runId ?? null),
    branch: input.branch !== undefined ? input.branch : (status?.branch ?? null),
    worktree: input.worktree !== undefined ? input.worktree : (status?.worktree ?? null),
    repo: root,
    by: input.by ?? null,
  };
}

type Outcome = { index: number; notifier: NotifierConfig; ran: Ran };

/** Logs failures that are new or different, and recoveries; remembers the last failure of each. */
async function recordOutcomes(root: string, payload: NotifyPayload, outcomes: Outcome[]): Promise<void> {
  const file = path.join(repoPaths(root).logsDir, 'notify-failures.json');
  const before = await readFailures(file);
  const after = { ...before };
  const lines: string[] = [];
  const what = `${payload.event} of ${payload.slug}`;
  for (const { index, notifier, ran } of outcomes) {
    const key = JSON.stringify(notifier.sh ?? notifier.command);
    const name = notifierName(index, notifier);
    if (ran.failure === null) {
      if (before[key] !== undefined) lines.push(`${name} works again (${what})`);
      delete after[key];
      continue;
    }
    const cause = ran.message;
    if (before[key] !== cause) {
      lines.push(`${name} failed on ${what}: ${cause} Not logged again while it fails the same way.`);
    }
    after[key] = cause;
  }
  for (const line of lines) await log(root, line);
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    await writeFileAtomic(file, `${JSON.stringify(after, null, 2)}\n`, { fsync: false }).catch(
      () => undefined,
    );
  }
}

async function readFailures(file: string): Promise<Record<string, string>> {
  try {
    const v: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
    return Object.fromEntries(
      Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  } catch {
    return {};
  }
}

async function log(root: string, message: string): Promise<void> {
  const file = notifyLogFile(root);
  await fs.mkdir(path.dirname(file), { recursive: true }).catch(() => undefined);
  await fs.appendFile(file, `${new Date().toISOString()} ${message}\n`).catch(() => undefined);
}
