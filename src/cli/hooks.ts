/** `baton hooks status|install|uninstall`: the git hooks that keep one writer per task branch. */
import type { Command } from 'commander';

/** Registers `hooks` and its subcommands. */
export function registerHooks(program: Command): void {
  const hooks = program
    .command('hooks')
    .description("Baton's git hooks (installed by `baton init`): status, install, uninstall.");
  hooks
    .command('status')
    .description("Show where git looks for hooks and whether baton's are in place; exit 1 when one is not.")
    .option('--json', 'print {"dir", "hooks": [...], "problems": [...]}')
    .action(async (opts: { json?: boolean }) => {
      const { findRepo } = await import('../git/repo.js');
      const { shownPath } = await import('../hooks/hooks-dir.js');
      const { inspectHooks } = await import('../hooks/status.js');
      const info = await findRepo(process.cwd());
      const report = await inspectHooks(info);
      if (opts.json) {
        const json = {
          dir: report.hooks.dir,
          hooksPath: report.hooks.configured,
          hooks: report.files.map((f) => ({
            name: f.name,
            path: f.path,
            state: f.state,
            chained: f.chained,
            runs: report.runs[f.name],
          })),
          taskDir: report.taskDir,
          problems: report.problems,
        };
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      } else {
        const out = [`hooks folder: ${shownPath(info.root, report.hooks.dir)}`];
        for (const f of report.files) {
          const bad = report.problems.find((p) => p.hook === f.name && p.path === f.path);
          out.push(`  ${f.name}: ${bad ? bad.kind : 'ok'} (runs ${report.runs[f.name]})`);
        }
        if (report.taskDir !== null)
          out.push(
            `task worktrees: ${shownPath(info.root, report.taskDir)} (baton's check, then the hook above of the same name)`,
          );
        for (const p of report.problems) out.push(`baton: ${p.message}\n  ${p.hint}`);
        process.stdout.write(`${out.join('\n')}\n`);
      }
      if (report.problems.length > 0) process.exitCode = 1;
    });
  hooks
    .command('install')
    .description('Install (or repair) the hooks, chaining any hook already there. Safe to run again.')
    .action(async () => {
      const { installHooks } = await import('../hooks/install.js');
      const done = await installHooks(process.cwd());
      process.stdout.write(
        `${(done.length > 0 ? done : ['hooks already installed: nothing to do']).join('\n')}\n`,
      );
    });
  hooks
    .command('uninstall')
    .description('Remove the hooks and put back the ones they chained, byte for byte.')
    .action(async () => {
      const { uninstallHooks } = await import('../hooks/install.js');
      const done = await uninstallHooks(process.cwd());
      process.stdout.write(`${done.join('\n')}\n`);
    });
}
