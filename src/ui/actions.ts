/**
 * The page's buttons, each carried out by the very function its CLI command calls and answered
 * with the sentences that command prints (or its BatonError's sentence and hint), so the page and
 * the CLI cannot disagree. The repository is opened anew for each action, as each command does,
 * so a changed baton.yaml counts at once.
 */
import { BatonError, type ErrorCode } from '../domain/errors.js';
import type { FollowupMode } from '../domain/types.js';
import { openRepo, type Repo } from '../ops/repo.js';
import { createTask, type NewTaskInput } from './new-task.js';

/** What the page shows after an action. */
export type ActionResult =
  { ok: true; lines: string[] } | { ok: false; code: ErrorCode; message: string; hint: string | null };

/** The actions, by the name in `POST /api/tasks/<slug>/<name>` (`create` is `POST /api/tasks`). */
export const ACTIONS = ['followup', 'stop', 'continue', 'dispatch', 'remove', 'create'] as const;
/** One of {@link ACTIONS}. */
export type ActionName = (typeof ACTIONS)[number];

/** True when `s` names an action. */
export function isAction(s: string): s is ActionName {
  return (ACTIONS as readonly string[]).includes(s);
}

/** Runs action `name` on task `slug` (already a valid slug) with the form's fields `body`. */
export async function runAction(
  root: string,
  name: ActionName,
  slug: string,
  body: Record<string, unknown>,
): Promise<ActionResult> {
  try {
    const repo = await openRepo(root);
    return { ok: true, lines: await act(repo, name, slug, body) };
  } catch (err) {
    if (err instanceof BatonError)
      return { ok: false, code: err.code, message: err.message, hint: err.hint ?? null };
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, code: 'INTERNAL', message: `unexpected error: ${message}`, hint: null };
  }
}

async function act(
  repo: Repo,
  name: ActionName,
  slug: string,
  body: Record<string, unknown>,
): Promise<string[]> {
  switch (name) {
    case 'followup': {
      const mode = str(body.mode) || 'queue';
      if (mode !== 'queue' && mode !== 'steer' && mode !== 'interrupt')
        throw new BatonError('USAGE', `Unknown follow-up mode ${JSON.stringify(mode)}.`, {
          hint: 'Use queue, steer or interrupt.',
        });
      const { sendFollowup } = await import('../ops/followup.js');
      const { describeFollowup } = await import('../cli/followup.js');
      return [describeFollowup(slug, await sendFollowup(repo, slug, mode as FollowupMode, str(body.text)))];
    }
    case 'stop': {
      const { stopTask } = await import('../ops/stop.js');
      const { describeStop } = await import('../cli/stop.js');
      return [describeStop(slug, await stopTask(repo, slug))];
    }
    case 'continue': {
      const { continueTask } = await import('../cli/continue.js');
      return [(await continueTask(repo, slug, str(body.text))).line];
    }
    case 'dispatch': {
      const { dispatchTask } = await import('../cli/dispatch.js');
      return (await dispatchTask(repo, slug, { fresh: body.fresh === true, force: body.force === true }))
        .lines;
    }
    case 'remove': {
      const { removeTask } = await import('../ops/remove.js');
      const { describeRemoval } = await import('../cli/remove.js');
      return describeRemoval(await removeTask(repo, slug, { force: body.force === true }));
    }
    case 'create':
      return [await createTask(repo, newTaskInput(slug, body))];
  }
}

/** The form's fields, strings only: anything else counts as not set. */
function newTaskInput(slug: string, body: Record<string, unknown>): NewTaskInput {
  const { title, agent, base, priority, status } = body;
  return {
    slug,
    prompt: str(body.prompt),
    ...{
      title: str(title),
      agent: str(agent),
      base: str(base),
      priority: str(priority),
      status: str(status),
    },
  };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
