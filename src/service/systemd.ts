/**
 * The systemd user unit that runs `baton watch` for one repository. Pure: text out; installing
 * it (and talking to systemctl) is in index.ts.
 */
import path from 'node:path';

import { serviceArgv, type ServiceSpec } from './spec.js';

/** `baton-<name>.service`. */
export function systemdUnitName(spec: Pick<ServiceSpec, 'name'>): string {
  return `baton-${spec.name}.service`;
}

/** `<home>/.config/systemd/user/<unit name>`. */
export function systemdUnitPath(home: string, spec: Pick<ServiceSpec, 'name'>): string {
  return path.join(home, '.config', 'systemd', 'user', systemdUnitName(spec));
}

/**
 * The unit file. Why each setting:
 * - `KillMode=process`: stopping or restarting the service signals the watcher only. Workers run
 *   detached in their own process groups, but they are still in the service's cgroup, and the
 *   default (control-group) would kill them with it.
 * - `Restart=on-failure` and a start limit: a crash comes back; a repository that cannot be
 *   watched does not loop forever. Exit 2 (usage) and 3 (another watcher holds the lock) are not
 *   failures a restart can cure.
 * - `Environment=PATH=...`: a user manager's PATH is minimal; agents must be found as they were
 *   by the shell that ran `baton service install`.
 */
export function renderSystemdUnit(spec: ServiceSpec): string {
  const lines = [
    `# Written by \`baton service install\` for ${spec.root}; \`baton service uninstall\` removes it.`,
    '[Unit]',
    `Description=${specifiers(`baton watch for ${spec.root}`)}`,
    'StartLimitIntervalSec=300',
    'StartLimitBurst=5',
    '',
    '[Service]',
    'Type=simple',
    `WorkingDirectory=${specifiers(spec.root)}`,
    `ExecStart=${execLine(serviceArgv(spec))}`,
    `Environment=${quoted(specifiers(`PATH=${spec.path}`))}`,
    'Restart=on-failure',
    'RestartSec=5',
    'RestartPreventExitStatus=2 3',
    'KillMode=process',
    `StandardOutput=append:${specifiers(spec.logFile)}`,
    `StandardError=append:${specifiers(spec.logFile)}`,
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ];
  return lines.join('\n');
}

/**
 * The ExecStart value. systemd expands `%` specifiers everywhere and `$VAR` in arguments only,
 * and refuses a program path holding quotes, backslashes or control characters: such a path
 * (rare) is run through `/usr/bin/env`, which takes it as an ordinary argument.
 */
export function execLine(argv: string[]): string {
  const [program = '', ...args] = argv;
  if (/["'\\]/.test(program)) return execLine(['/usr/bin/env', ...argv]);
  const head = specifiers(/^[A-Za-z0-9_@+=:,./-]+$/.test(program) ? program : `"${program}"`);
  return [head, ...args.map(execArg)].join(' ');
}

/** One ExecStart argument: quoted unless plain; `%` and `$` doubled (specifiers and variables). */
function execArg(word: string): string {
  const plain = /^[A-Za-z0-9_@+=:,./-]+$/.test(word);
  return specifiers(plain ? word : quoted(word)).replace(/\$/g, '$$$$');
}

/** A double-quoted unit-file string with C-style escapes. */
function quoted(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `%` starts a specifier in nearly every setting; `%%` is a literal one. */
function specifiers(s: string): string {
  return s.replace(/%/g, '%%');
}
