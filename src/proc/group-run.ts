/**
 * Running a command in its own process group with its output going straight to an open file,
 * and a time limit that ends the whole group: a worktree's setup and teardown commands
 * (`npm ci` starts children of its own, and a shell line may start anything). What the command
 * started and left running after a normal exit is left alone: a setup may start a service on
 * purpose, and teardown is where it is stopped.
 */
import type * as Execa from 'execa';
import { loadExeca } from './exec.js';

/** How a group-run command ended. */
export interface GroupRan {
  /** The exit code; null when killed by a signal or never started. */
  exitCode: number | null;
  signal: string | null;
  /** It ran past its time and its process group was killed. */
  timedOut: boolean;
  /** Why it could not start (e.g. `not found`); null when it started. */
  startError: string | null;
  /** The process group (the command's pid); null when it never started. */
  pgid: number | null;
}

/** How to run a command in its own group. */
export interface GroupRunOptions {
  cwd: string;
  /** The whole environment (not merged with this process's). */
  env: Record<string, string | undefined>;
  /** An open file descriptor that receives stdout and stderr. */
  outputFd: number;
  timeoutMs: number;
  /** After SIGTERM to the group, how long before SIGKILL. */
  graceMs?: number;
  /** Told the process group as soon as the command started (so a stop can end it). */
  onStart?(pgid: number): void;
}

/** Runs `file args` to its end (or its time limit) in a new process group. Never throws. */
export async function runInGroup(
  file: string,
  args: readonly string[],
  opts: GroupRunOptions,
): Promise<GroupRan> {
  const { execa } = await loadExeca();
  const child = execa(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    detached: true,
    buffer: false,
    reject: false,
    // execa's types only admit fds 3–9 here; spawn takes any open fd as it is.
    stdio: ['ignore', opts.outputFd, opts.outputFd] as unknown as Execa.Options['stdio'],
    windowsHide: true,
  });
  const pgid = child.pid ?? null;
  if (pgid !== null) opts.onStart?.(pgid);
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const timer =
    pgid === null
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          killGroup(pgid, 'SIGTERM');
          killTimer = setTimeout(() => killGroup(pgid, 'SIGKILL'), opts.graceMs ?? 5000);
        }, opts.timeoutMs);
  const r = await child;
  clearTimeout(timer);
  clearTimeout(killTimer);
  // The leader may have died of SIGTERM while a child that ignores it lives on: end the group.
  if (timedOut && pgid !== null) killGroup(pgid, 'SIGKILL');
  const errno = (r.cause as NodeJS.ErrnoException | undefined)?.code;
  if (pgid === null || (errno !== undefined && r.exitCode === undefined && r.signal === undefined)) {
    return {
      exitCode: null,
      signal: null,
      timedOut: false,
      startError:
        errno === 'ENOENT' ? `${file} was not found` : `${file} could not be started: ${r.shortMessage}`,
      pgid: null,
    };
  }
  return { exitCode: r.exitCode ?? null, signal: r.signal ?? null, timedOut, startError: null, pgid };
}

/** Signals every process of group `pgid`; a group already gone is fine. */
export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nothing is left in the group
  }
}
