/**
 * Where no service manager runs (a container, WSL without systemd, a machine booted with
 * another init): the shell commands that keep `baton watch` running there all the same. Pure.
 *
 * Node resets SIGHUP to its default at start, so `nohup` does not keep a watcher alive when its
 * terminal closes; `setsid` does (a new session has no controlling terminal to hang up).
 */
import { serviceArgv, type ServiceSpec } from './spec.js';

/** What is on PATH to start a detached watcher with, and whether cron can start it at boot. */
export interface FallbackTools {
  setsid: boolean;
  crontab: boolean;
}

/**
 * The commands, each with a line saying what it is for: start the watcher now, in the
 * background, appending to the log the service would use; and, where `crontab` exists, the
 * `@reboot` line that starts it at boot with the PATH captured now.
 */
export function fallbackCommands(
  spec: ServiceSpec,
  tools: FallbackTools,
): { what: string; command: string }[] {
  const argv = serviceArgv(spec).map(sh).join(' ');
  const output = `>> ${sh(spec.logFile)} 2>&1 < /dev/null`;
  const detached = tools.setsid ? `setsid ${argv}` : `nohup ${argv}`;
  const out = [
    {
      what: 'To start it now, in the background (it outlives this terminal)',
      command: `(cd ${sh(spec.root)} && ${detached} ${output} &)`,
    },
  ];
  if (tools.crontab) {
    // cron runs the line with sh and a minimal PATH; `%` would end the command there.
    const line = `@reboot cd ${sh(spec.root)} && PATH=${sh(spec.path)} ${argv} ${output}`;
    out.push({
      what: 'To start it at every boot, add this line with `crontab -e`',
      command: line.replace(/%/g, '\\%'),
    });
  }
  return out;
}

/** A word for sh: as it is when plain, else single-quoted. */
export function sh(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
