/**
 * `baton service install|uninstall|status`: `baton watch` for this repository as a background
 * service (a systemd user unit on Linux, a launchd agent on macOS).
 *
 * Exit codes: `install` exits 0 once the definition is written, also when a running service
 * manager cannot be reached to start it (no user bus over ssh): it then prints a warning with the
 * exact command to run. Where no service manager runs at all (no systemd: a container) it writes
 * nothing and exits 1 with the commands that keep `baton watch` running there instead; in a
 * repository `baton init` never set up it exits 1 too. `status` exits 0 whatever the state; read
 * `--json` in scripts.
 */
import type { Command } from 'commander';
import type { ServiceStatus } from '../service/index.js';

/** Registers `service` and its subcommands. */
export function registerService(program: Command): void {
  const service = program
    .command('service')
    .description(
      'Run `baton watch` for this repository as a background service (systemd user unit / launchd agent).',
    );
  service
    .command('install')
    .description(
      'Write the service definition and start it (again). Stopping the service never stops workers. Exits 0 with a warning when the service manager cannot be reached: the file is written, the warning says what to run. Where none runs (no systemd), exits 1 with the commands to use instead.',
    )
    .action(async () => {
      const { findRepo } = await import('../git/repo.js');
      const { installService, serviceContext } = await import('../service/index.js');
      const { assertSetUp } = await import('../ops/repo.js');
      const { repoPaths } = await import('../store/paths.js');
      const { root } = await findRepo(process.cwd());
      assertSetUp(repoPaths(root)); // a watcher here would make tasks/ behind the user's back
      const r = await installService(root, serviceContext(process.env));
      const lines = [
        `${r.started ? 'installed and started' : 'installed (not started)'} ${r.unit}`,
        `  file: ${r.file}`,
        `  watching: ${root}`,
        `  log: ${r.logFile}`,
      ];
      if (r.started && r.manager === 'systemd') {
        lines.push(
          '  it starts with your user session; to keep it running while you are logged out: `loginctl enable-linger`',
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      if (r.warning) process.stderr.write(`baton: warning: ${r.warning}\n`);
    });
  service
    .command('uninstall')
    .description(
      'Stop and disable the service and remove its definition (workers keep running). Safe to run again.',
    )
    .action(async () => {
      const { findRepo } = await import('../git/repo.js');
      const { serviceContext, uninstallService } = await import('../service/index.js');
      const { root } = await findRepo(process.cwd());
      const r = await uninstallService(root, serviceContext(process.env));
      process.stdout.write(
        r.removed ? `removed ${r.unit} (${r.file})\n` : `${r.unit} is not installed: nothing to remove\n`,
      );
      if (r.warning) process.stderr.write(`baton: warning: ${r.warning}\n`);
    });
  service
    .command('status')
    .description('Say whether the service is installed and running, where its definition and its log are.')
    .option('--json', 'print {manager, unit, file, logFile, installed, upToDate, active, state, detail}')
    .action(async (opts: { json?: boolean }) => {
      const { findRepo } = await import('../git/repo.js');
      const { serviceContext, serviceStatus } = await import('../service/index.js');
      const { root } = await findRepo(process.cwd());
      const s = await serviceStatus(root, serviceContext(process.env));
      process.stdout.write(opts.json ? `${JSON.stringify(s, null, 2)}\n` : renderStatus(s));
    });
}

function renderStatus(s: ServiceStatus): string {
  const kind = s.manager === 'systemd' ? 'systemd user unit' : 'launchd agent';
  const file = !s.installed
    ? 'not installed (`baton service install` installs it)'
    : s.upToDate
      ? 'installed'
      : 'installed, but out of date (node, baton or PATH changed): run `baton service install` again';
  const state = s.detail ? `${s.state} (${s.detail})` : s.state;
  return [
    `service: ${s.unit} (${kind})`,
    `  ${s.file}: ${file}`,
    `  state: ${state}`,
    `  log: ${s.logFile}`,
    '',
  ].join('\n');
}
