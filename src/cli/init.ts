/** `baton init`: prepare a repository for baton. Idempotent. */
import type { Command } from 'commander';

/** Registers `init`. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description(
      'Create tasks/ and tasks/logs/ (ignored by git) and a commented baton.yaml if absent. Safe to run again.',
    )
    .option('--skills', 'also install AGENTS.md and the task-manager Codex skill (never over existing files)')
    .action(async (opts: { skills?: boolean }) => {
      const { initRepo } = await import('../ops/init.js');
      const { installSkills } = await import('../ops/skills.js');
      const { done, warnings } = await initRepo(process.cwd());
      if (opts.skills) done.push(...(await installSkills(process.cwd())));
      for (const line of done) process.stdout.write(`${line}\n`);
      for (const w of warnings) process.stderr.write(`baton: warning: ${w}\n`);
    });
}
