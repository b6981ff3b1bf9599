/** `baton pr <slug> [--json]`: push the task branch and open (or adopt) its pull request. */
import type { Command } from 'commander';

/** Registers `pr`. */
export function registerPr(program: Command): void {
  program
    .command('pr')
    .description(
      "Push the task's branch (git push -u <pr.remote>) and open its pull request with the GitHub CLI, or adopt the open one; the watcher then follows its checks, reviews and merge.",
    )
    .argument('<slug>', 'the task')
    .option('--json', 'print what was done as JSON')
    .action(async (slug: string, opts: { json?: boolean }) => {
      const { openRepo } = await import('../ops/repo.js');
      const { openPr } = await import('../ops/pr-open.js');
      const repo = await openRepo(process.cwd());
      const r = await openPr(repo, slug, 'cli');
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      const what = r.known
        ? `pull request #${r.number} into ${r.base} is open`
        : `${r.adopted ? 'adopted the open' : 'opened'} pull request #${r.number} into ${r.base}`;
      process.stdout.write(
        `pushed ${r.branch} to ${r.remote}; ${what}: ${r.url}\n` +
          'A running `baton watch` follows its checks, reviews and merge.\n',
      );
    });
}
