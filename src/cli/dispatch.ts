/** `baton dispatch <slug> [--fresh] [--force]`. */
import type { Command } from 'commander';
import type { Repo } from '../ops/repo.js';

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
      const { openRepo } = await import('../ops/repo.js');
      const repo = await openRepo(process.cwd());
      const r = await dispatchTask(repo, slug, { fresh: opts.fresh === true, force: opts.force === true });
      process.stdout.write(`${r.runId}\n`);
      for (const line of r.lines) process.stderr.write(`baton: ${line}\n`);
    });
}

/**
 * Dispatches `slug` as `baton dispatch` does: the run id, and the sentences it prints (a warning
 * about uncommitted work the new branch misses, then what started). `baton ui` calls it too.
 */
export async function dispatchTask(
  repo: Repo,
  slug: string,
  opts: { fresh: boolean; force?: boolean },
): Promise<{ runId: string; lines: string[] }> {
  const { loadTask, taskWorktree } = await import('../ops/repo.js');
  const { uncommittedBaseWarning } = await import('../ops/preflight.js');
  const { branchExists } = await import('../git/refs.js');
  const { dispatch } = await import('../ops/dispatch.js');
  const task = await loadTask(repo, slug);
  const { branch } = taskWorktree(repo.config, slug);
  // Only a new branch can miss uncommitted work; the check runs alongside the dispatch.
  const pending = (await branchExists(repo.info.root, branch))
    ? Promise.resolve(null)
    : uncommittedBaseWarning(repo.info.root, branch, task.base ?? null).catch(() => null);
  const started = await dispatch(repo, slug, { fresh: opts.fresh, force: opts.force === true });
  const warning = await pending;
  return {
    runId: started.runId,
    lines: [
      ...(warning === null ? [] : [`warning: ${warning}`]),
      `${slug} dispatched: run ${started.runId}, worker pid ${started.pid}, epoch ${started.epoch} (${started.start.kind}).`,
    ],
  };
}
