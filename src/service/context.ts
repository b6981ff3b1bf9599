/**
 * Where a service is installed and how baton talks to its manager: the home folder, the
 * manager (systemd or launchd), and the command that runs `systemctl`/`launchctl`.
 */
import os from 'node:os';

import { BatonError } from '../domain/errors.js';
import { run } from '../proc/exec.js';

/** The service managers baton can install into. */
export type ServiceManagerKind = 'systemd' | 'launchd';

/** What running a manager command gave. `code` is 127 when the command does not exist. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Where and how to install: the user's home, the manager, and the commands that talk to it. */
export interface ServiceContext {
  manager: ServiceManagerKind;
  home: string;
  uid: number;
  /** PATH to capture into the service. */
  pathEnv: string;
  /** `systemctl` or `launchctl` (an override lets tests put a fake in its place). */
  controlBin: string;
  run: (bin: string, args: string[]) => Promise<RunResult>;
}

/**
 * The context from an environment: HOME (so tests can point it at a temp folder), PATH,
 * `BATON_SERVICE_MANAGER` (systemd | launchd; default by platform), and `BATON_SYSTEMCTL` /
 * `BATON_LAUNCHCTL` to run another binary in place of the manager's own.
 */
export function serviceContext(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform = process.platform,
): ServiceContext {
  const wanted =
    env.BATON_SERVICE_MANAGER ?? (platform === 'darwin' ? 'launchd' : platform === 'linux' ? 'systemd' : '');
  if (wanted !== 'systemd' && wanted !== 'launchd') {
    throw new BatonError(
      'USAGE',
      `baton service supports systemd (Linux) and launchd (macOS), not ${wanted === '' ? platform : wanted}.`,
      {
        hint: 'Run `baton watch` in the foreground under your own supervisor instead.',
      },
    );
  }
  return {
    manager: wanted,
    home: env.HOME || os.homedir(),
    uid: process.getuid?.() ?? 0,
    pathEnv: env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    controlBin:
      wanted === 'systemd' ? env.BATON_SYSTEMCTL || 'systemctl' : env.BATON_LAUNCHCTL || 'launchctl',
    run: runCommand,
  };
}

/** Runs a manager command; never throws (a missing command is code 127). */
export async function runCommand(bin: string, args: string[]): Promise<RunResult> {
  const r = await run(bin, args, { timeoutMs: 30_000 }).catch((err: unknown) => ({
    code: 1,
    stdout: '',
    stderr: String((err as Error)?.message ?? err),
    failure: 'other' as const,
  }));
  // A timed-out or signalled command is a failure like any other: never 0.
  const code = r.failure === null ? 0 : r.failure === 'exit' || r.failure === 'not-found' ? r.code : 1;
  return {
    code,
    stdout: r.stdout,
    stderr: r.failure === 'not-found' ? `${bin}: command not found` : r.stderr,
  };
}

/** The first line of what a failed command said, for one-sentence messages. */
export function firstLine(r: RunResult): string {
  const text = (r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`).split('\n')[0] ?? '';
  return text.replace(/[.\s]+$/, '');
}
