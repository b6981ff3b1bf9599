/** `baton stop <slug>`. */
import type { Command } from 'commander';

/** Registers `stop`. */
export function registerStop(program: Command): void {
  program
    .command('stop')
    .description(
      "Interrupt a task's agent without a follow-up (state interrupted; worktree kept; queued follow-ups wait).",
    )
    .argument('<slug>', 'the task')
    .action(async (slug: string) => {
      const { openRepo } = await import('../ops/repo.js');
      const { stopTask } = await import('../ops/stop.js');
      const repo = await openRepo(process.cwd());
      const r = await stopTask(repo, slug);
      process.stderr.write(
        r.stopped
          ? `baton: asked worker pid ${r.pid} (run ${r.runId}) to stop ${slug}.\n`
          : `baton: ${slug} has no live worker: nothing to stop.\n`,
      );
    });
}
