/** `baton dispatch <slug> [--fresh]`. */
import type { Command } from 'commander';
import { dispatch } from '../ops/dispatch.js';
import { dirtyBaseWarning } from '../ops/preflight.js';
import { loadTask, openRepo, taskWorktree } from '../ops/repo.js';

/** Registers `dispatch`. */
export function registerDispatch(program: Command): void {
  program
    .command('dispatch')
    .description(
      "Start a task's worker in its own worktree (continues its session if it ran before); exits 3 if a live worker holds it.",
    )
    .argument('<slug>', 'the task (tasks/<slug>.md)')
    .option('--fresh', 'start a new agent session with the task prompt, whatever ran before')
    .action(async (slug: string, opts: { fresh?: boolean }) => {
      const repo = await openRepo(process.cwd());
      const task = await loadTask(repo, slug);
      const warning = await dirtyBaseWarning(
        repo.info.root,
        taskWorktree(repo.config, slug).branch,
        task.base ?? null,
      );
      const started = await dispatch(repo, slug, { fresh: opts.fresh === true });
      if (warning !== null) process.stderr.write(`baton: warning: ${warning}\n`);
      process.stdout.write(`${started.runId}\n`);
      process.stderr.write(
        `baton: ${slug} dispatched: run ${started.runId}, worker pid ${started.pid}, epoch ${started.epoch} (${started.start.kind}).\n`,
      );
    });
}
