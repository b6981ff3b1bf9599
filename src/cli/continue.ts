/** `baton continue <slug> [TEXT]`. */
import type { Command } from 'commander';
import { BatonError } from '../domain/errors.js';
import { CONTINUABLE_STATES, type TaskState } from '../domain/states.js';
import type { Repo } from '../ops/repo.js';

/** Registers `continue`. */
export function registerContinue(program: Command): void {
  program
    .command('continue')
    .description(
      "Resume an idle, failed, interrupted, worker_gone, stalled or limited task's agent session, with TEXT or an instruction to continue (a limited task runs now, before its agent's reset).",
    )
    .argument('<slug>', 'the task')
    .argument('[text...]', 'what to tell the agent (default: continue where you left off)')
    .action(async (slug: string, words: string[]) => {
      const { openRepo } = await import('../ops/repo.js');
      const repo = await openRepo(process.cwd());
      const r = await continueTask(repo, slug, words.join(' '));
      process.stdout.write(`${r.runId}\n`);
      process.stderr.write(`baton: ${r.line}\n`);
    });
}

/**
 * Continues `slug` as `baton continue` does, refusing a task in a state that cannot be
 * continued: the run id and the sentence the CLI prints. `baton ui` calls it too.
 */
export async function continueTask(
  repo: Repo,
  slug: string,
  words: string,
): Promise<{ runId: string; line: string }> {
  const { loadTask } = await import('../ops/repo.js');
  const { readTask } = await import('../ops/board.js');
  const { dispatch } = await import('../ops/dispatch.js');
  await loadTask(repo, slug);
  const board = await readTask(repo, `${slug}.md`, slug);
  if (!CONTINUABLE_STATES.has(board.state)) {
    const busy = board.state === 'running' || board.state === 'starting' || board.state === 'interrupting';
    throw new BatonError(
      busy ? 'BUSY' : 'TASK_NOT_DISPATCHABLE',
      `Task ${slug} is ${board.state}; only idle, failed, interrupted, worker_gone, stalled or limited tasks can be continued.`,
      { hint: continueHint(slug, board.state) },
    );
  }
  const text = words.trim();
  const started = await dispatch(repo, slug, {
    continueText: text === '' ? null : text,
    allowFinished: true,
  });
  return {
    runId: started.runId,
    line: `${slug} continued: run ${started.runId}, worker pid ${started.pid}.`,
  };
}

/**
 * What to do instead of continuing a task in `state`: each hint names a command that works in
 * that state (a draft must become ready first: dispatch refuses drafts too).
 */
export function continueHint(slug: string, state: TaskState): string {
  const file = `tasks/${slug}.md`;
  switch (state) {
    case 'running':
    case 'starting':
    case 'interrupting':
      return `It is ${state}: send it a follow-up with \`baton followup ${slug} ...\`.`;
    case 'draft':
      return `It is a draft: set \`status: ready\` in ${file}; then the watcher starts it, or \`baton dispatch ${slug}\` does.`;
    case 'ready':
      return `It has not run yet: start it with \`baton dispatch ${slug}\` (or let the watcher start it).`;
    case 'done':
      return `Its task file says done: send it more work with \`baton followup ${slug} ...\`, or set \`status: ready\` in ${file} to continue it.`;
    case 'cancelled':
      return `Its task file says cancelled: set \`status: ready\` in ${file} first.`;
    case 'invalid':
      return `Fix ${file} first; \`baton status\` says what is wrong with it.`;
    case 'blocked':
      return `It has not run yet and waits for the tasks in its \`after:\` (\`baton status\` names them); \`baton dispatch ${slug} --force\` starts it anyway.`;
    case 'idle':
    case 'failed':
    case 'interrupted':
    case 'worker_gone':
    case 'stalled':
    case 'limited':
      return `Run \`baton continue ${slug}\` again.`;
  }
}
