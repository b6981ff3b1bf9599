/** `baton continue <slug> [TEXT]`. */
import type { Command } from 'commander';
import { BatonError } from '../domain/errors.js';
import { CONTINUABLE_STATES } from '../domain/states.js';

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
      const { loadTask, openRepo } = await import('../ops/repo.js');
      const { readTask } = await import('../ops/board.js');
      const { dispatch } = await import('../ops/dispatch.js');
      const repo = await openRepo(process.cwd());
      await loadTask(repo, slug);
      const board = await readTask(repo, `${slug}.md`, slug);
      if (!CONTINUABLE_STATES.has(board.state)) {
        const hint =
          board.state === 'running' || board.state === 'starting' || board.state === 'interrupting'
            ? `It is ${board.state}: send it a follow-up with \`baton followup ${slug} ...\`.`
            : `Use \`baton dispatch ${slug}\` for a task that never ran.`;
        throw new BatonError(
          board.state === 'running' || board.state === 'starting' || board.state === 'interrupting'
            ? 'BUSY'
            : 'TASK_NOT_DISPATCHABLE',
          `Task ${slug} is ${board.state}; only idle, failed, interrupted, worker_gone, stalled or limited tasks can be continued.`,
          { hint },
        );
      }
      const text = words.join(' ').trim();
      const started = await dispatch(repo, slug, {
        continueText: text === '' ? null : text,
        allowFinished: true,
      });
      process.stdout.write(`${started.runId}\n`);
      process.stderr.write(`baton: ${slug} continued: run ${started.runId}, worker pid ${started.pid}.\n`);
    });
}
