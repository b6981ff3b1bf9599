/** `baton init`: prepare a repository for baton. Idempotent. */
import type { Command } from 'commander';
import { initRepo } from '../ops/init.js';

/** Registers `init`. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description(
      'Create tasks/ and tasks/logs/ (ignored by git) and a commented baton.yaml if absent. Safe to run again.',
    )
    .action(async () => {
      const done = await initRepo(process.cwd());
      for (const line of done) process.stdout.write(`${line}\n`);
    });
}
