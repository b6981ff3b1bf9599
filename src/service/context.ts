/**
 * Where a service is installed and how baton talks to its manager: the home folder, the
 * manager (systemd or launchd), and the command that runs `systemctl`/`launchctl`.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';

import { BatonError } from '../domain/errors.js';

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
export function runCommand(bin: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(bin, args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      const raw = (err as { code?: unknown } | null)?.code;
      const code = err === null ? 0 : raw === 'ENOENT' ? 127 : typeof raw === 'number' ? raw : 1;
      resolve({
        code,
        stdout: String(stdout),
        stderr: raw === 'ENOENT' ? `${bin}: command not found` : String(stderr),
      });
    });
  });
}

/** The first line of what a failed command said, for one-sentence messages. */
export function firstLine(r: RunResult): string {
  const text = (r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`).split('\n')[0] ?? '';
  return text.replace(/[.\s]+$/, '');
}
