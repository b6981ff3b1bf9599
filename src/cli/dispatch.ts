/** `baton dispatch <slug> [--fresh] [--force]`. */
import type { Command } from 'commander';

/** Registers `dispatch`. */
export function registerDispatch(program: Command): void {
  program
    .command('dispatch')
    .description(
      "Start a task's worker in its own worktree (continues its session if it ran before); exits 3 if a live worker holds it.",
    )
    .argument('<slug>', 'the task (tasks/<slug>.md)')
    .option('--fresh', 'start a new agent session with the task prompt, whatever ran before')
    .option('--force', 'start a task whose `after:` dependencies are not done yet')
    .action(async (slug: string, opts: { fresh?: boolean; force?: boolean }) => {
      const { loadTask, openRepo, taskWorktree } = await import('../ops/repo.js');
      const { uncommittedBaseWarning } = await import('../ops/preflight.js');
      const { branchExists } = await import('../git/refs.js');
      const { dispatch } = await import('../ops/dispatch.js');
      const repo = await openRepo(process.cwd());
      const task = await loadTask(repo, slug);
      const { branch } = taskWorktree(repo.config, slug);
      // Only a new branch can miss uncommitted work; the check runs alongside the dispatch.
      const pending = (await branchExists(repo.info.root, branch))
        ? Promise.resolve(null)
        : uncommittedBaseWarning(repo.info.root, branch, task.base ?? null).catch(() => null);
      const started = await dispatch(repo, slug, { fresh: opts.fresh === true, force: opts.force === true });
      const warning = await pending;
      if (warning !== null) process.stderr.write(`baton: warning: ${warning}\n`);
      process.stdout.write(`${started.runId}\n`);
      process.stderr.write(
        `baton: ${slug} dispatched: run ${started.runId}, worker pid ${started.pid}, epoch ${started.epoch} (${started.start.kind}).\n`,
      );
    });
}
