/** `baton history <slug> [--full] [--json]`: every prompt and run, in order. */
import type { Command } from 'commander';
import { readHistory, readJsonl } from '../store/history.js';
import { taskPaths } from '../store/paths.js';

/** Registers `history`. */
export function registerHistory(program: Command): void {
  program
    .command('history')
    .description(
      "Print a task's history as a timeline: workers and runs, prompts, follow-ups, state changes.",
    )
    .argument('<slug>', 'the task')
    .option('--full', 'print whole prompts and follow-ups, not their first line')
    .option('--json', 'print the raw events, one JSON object per line')
    .action(async (slug: string, opts: { full?: boolean; json?: boolean }) => {
      const { assertSlug, openRepo } = await import('../ops/repo.js');
      assertSlug(slug);
      const repo = await openRepo(process.cwd());
      const file = taskPaths(repo.paths, slug).historyFile;
      const { assertKnownTask, nothingYet } = await import('../ops/nothing-yet.js');
      assertKnownTask(repo, slug, [file]);
      if (opts.json) {
        // Every parseable line as it is, unknown types included: scripts get the file's data.
        const { records } = await readJsonl<unknown>(file);
        for (const r of records) process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      const { renderTimeline } = await import('./history-view.js');
      const { events, skipped } = await readHistory(file);
      if (events.length === 0) process.stdout.write(`${await nothingYet(repo, slug, 'history')}\n`);
      const lines = renderTimeline(events, { slug, full: opts.full === true });
      if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
      if (skipped > 0)
        process.stdout.write(
          `(${skipped} line${skipped === 1 ? '' : 's'} skipped: torn by a crash, or not an event this baton knows)\n`,
        );
    });
}
