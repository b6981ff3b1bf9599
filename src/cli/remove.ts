/** `baton remove <slug> [--force]`. */
import type { Command } from 'commander';
import { plural } from '../domain/removal.js';
import type { RemoveResult } from '../ops/remove.js';

/** Registers `remove`. */
export function registerRemove(program: Command): void {
  program
    .command('remove')
    .description(
      "Delete a finished task's worktree, and its branch once merged; refuses while a worker runs (exit 3) or while work would be lost (exit 1).",
    )
    .argument('<slug>', 'the task')
    .option(
      '--force',
      'remove even with uncommitted changes or unmerged, unpushed commits, and delete the unmerged branch (says what it threw away)',
    )
    .action(async (slug: string, opts: { force?: boolean }) => {
      const { openRepo } = await import('../ops/repo.js');
      const { removeTask } = await import('../ops/remove.js');
      const repo = await openRepo(process.cwd());
      const r = await removeTask(repo, slug, { force: opts.force === true });
      for (const line of describeRemoval(r)) process.stdout.write(`${line}\n`);
    });
}

/** One line per thing `remove` did, for the CLI. */
export function describeRemoval(r: RemoveResult): string[] {
  if (r.nothing) return [`nothing to remove: task ${r.slug} has no worktree and no branch ${r.branch}`];
  const lines: string[] = [];
  for (const s of r.endedSetups ?? [])
    lines.push(`ended the setup command \`${s.command}\` (pid ${s.pid}) its dead worker left running`);
  if (r.teardown?.warning) lines.push(`warning: teardown failed: ${r.teardown.warning}`);
  else if (r.teardown) lines.push(`ran teardown: ${plural(r.teardown.commands, 'command')}`);
  if (r.worktree !== null) {
    lines.push(
      r.discardedChanges > 0
        ? `removed worktree ${r.worktree}, discarding ${plural(r.discardedChanges, 'uncommitted change')}`
        : `removed worktree ${r.worktree}`,
    );
  }
  const b = r.branchOutcome;
  switch (b.kind) {
    case 'deleted-merged':
      lines.push(`deleted branch ${r.branch} (merged into ${b.base})`);
      break;
    case 'deleted-unmerged':
      lines.push(
        `deleted branch ${r.branch} although it was not merged (${plural(b.commits, 'commit')} on no remote); it was at ${b.head.slice(0, 12)}: \`git branch ${r.branch} ${b.head}\` restores it while git keeps the commits`,
      );
      break;
    case 'kept':
      lines.push(
        b.because === 'checked-out-elsewhere'
          ? `kept branch ${r.branch}: it is checked out at ${b.at ?? 'another worktree'}`
          : `kept branch ${r.branch}: it is not merged into ${b.base ?? 'a base branch'} (its commits are on a remote); delete it with \`git branch -D ${r.branch}\` once merged`,
      );
      break;
    case 'none':
      break;
  }
  if (r.stateChangedTo !== null)
    lines.push(`task ${r.slug} is now ${r.stateChangedTo}: nothing will retry it`);
  return lines;
}
