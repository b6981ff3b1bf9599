/** `baton stop <slug>`. */
import type { Command } from 'commander';
import type { StopResult } from '../ops/stop.js';

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
      process.stderr.write(`baton: ${describeStop(slug, await stopTask(repo, slug))}\n`);
    });
}

/** What `stop` did, in one sentence (the CLI and `baton ui` both say it). */
export function describeStop(slug: string, r: StopResult): string {
  if (r.stopped) return `asked worker pid ${r.pid} (run ${r.runId}) to stop ${slug}.`;
  const setups = r.endedSetups ?? [];
  if (setups.length > 0) {
    const what = setups.map((s) => `\`${s.command}\` (pid ${s.pid})`).join(', ');
    return `${slug} has no live worker, but its dead worker's setup command ${what} still ran: ended it.`;
  }
  return `${slug} has no live worker: nothing to stop.`;
}
