/**
 * Process identity and liveness. A pid alone names nothing for long: pids are reused, and
 * `process.kill(pid, 0)` calls a zombie alive. A process is therefore named by pid + start time
 * + boot id, and "alive" means: same boot, same pid, same start time, and not a zombie.
 *
 * Linux reads /proc; macOS (and other BSD-likes) ask `ps` and `sysctl`.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import { BatonError } from '../domain/errors.js';
import type { ProcessIdentity } from '../domain/types.js';
import { run, RunError, runText } from './exec.js';

/** What became of a recorded process. Only `alive` means it can still act. */
export type Liveness = 'alive' | 'dead' | 'zombie' | 'reused' | 'rebooted';

/** The fields of one process's status that liveness needs. */
export interface ProcSnapshot {
  pid: number;
  ppid: number;
  /** One-letter state: R, S, D, T, Z, X, ... (macOS `ps` may add flags after it). */
  state: string;
  /** Clock ticks since boot on Linux; the `lstart` text on macOS. */
  startTime: string;
}

/**
 * Parses a `/proc/<pid>/stat` line. The command name (field 2) is in parentheses and may itself
 * hold spaces and `)`, so the fixed fields are counted after the LAST `)`. Returns null for
 * anything that does not look like a stat line.
 */
export function parseProcStat(line: string): ProcSnapshot | null {
  const open = line.indexOf(' (');
  const close = line.lastIndexOf(')');
  if (open <= 0 || close < open) return null;
  const pid = Number(line.slice(0, open));
  // After ") " come fields 3.. (state, ppid, pgrp, ...); field 22 (starttime) is index 19.
  const rest = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const state = rest[0];
  const ppid = Number(rest[1]);
  const startTime = rest[19];
  if (!Number.isSafeInteger(pid) || state === undefined || !/^[A-Za-z]$/.test(state)) return null;
  if (!Number.isSafeInteger(ppid) || startTime === undefined || !/^\d+$/.test(startTime)) return null;
  return { pid, ppid, state, startTime };
}

/**
 * Parses one line of macOS `ps -o pid= -o ppid= -o stat= -o lstart=`: the start time is the
 * rest of the line (it holds spaces).
 */
export function parsePsLine(line: string): ProcSnapshot | null {
  const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S.*?)\s*$/.exec(line);
  if (m === null) return null;
  return { pid: Number(m[1]), ppid: Number(m[2]), state: m[3] ?? '', startTime: m[4] ?? '' };
}

/** The snapshot of a process, or null if there is no process with that pid. */
export async function snapshotOf(pid: number): Promise<ProcSnapshot | null> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  if (process.platform === 'linux') {
    try {
      return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
    } catch (err) {
      // ESRCH: the process vanished between open and read.
      if (isCode(err, 'ENOENT') || isCode(err, 'ESRCH')) return null;
      throw err;
    }
  }
  const r = await run(
    'ps',
    ['-o', 'pid=', '-o', 'ppid=', '-o', 'stat=', '-o', 'lstart=', '-p', String(pid)],
    {
      env: { ...process.env, LC_ALL: 'C' },
    },
  );
  // ps exits 1 when no process matches.
  if (r.failure === 'exit' && r.code === 1) return null;
  if (r.failure !== null) throw new RunError(r);
  return parsePsLine(r.stdout.split('\n')[0] ?? '');
}

/** The id of the current boot: changes on every reboot, so identities from an earlier boot are dead. */
export async function bootId(): Promise<string> {
  if (process.platform === 'linux') {
    try {
      return (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    } catch {
      // Some sandboxes hide /proc/sys; the boot time in /proc/stat serves the same purpose.
      const stat = await readFile('/proc/stat', 'utf8');
      const btime = /^btime\s+(\d+)$/m.exec(stat)?.[1];
      if (btime === undefined)
        throw new BatonError('INTERNAL', 'Cannot determine the boot id of this machine.');
      return `btime-${btime}`;
    }
  }
  return (await runText('sysctl', ['-n', 'kern.boottime'])).trim();
}

/** The identity of a running (or zombie) process, or null if no process has that pid. */
export async function identityOf(pid: number): Promise<ProcessIdentity | null> {
  const [snap, boot] = await Promise.all([snapshotOf(pid), bootId()]);
  return snap === null ? null : { pid, startTime: snap.startTime, bootId: boot };
}

/** The identity of the current process. */
export async function selfIdentity(): Promise<ProcessIdentity> {
  const id = await identityOf(process.pid);
  if (id === null)
    throw new BatonError('INTERNAL', `Cannot read the identity of this process (pid ${process.pid}).`);
  return id;
}

/** What became of the process named by `id`. */
export async function liveness(id: ProcessIdentity): Promise<Liveness> {
  const [snap, boot] = await Promise.all([snapshotOf(id.pid), bootId()]);
  if (boot !== id.bootId) return 'rebooted';
  if (snap === null) return 'dead';
  if (snap.startTime !== id.startTime) return 'reused';
  const state = snap.state.charAt(0);
  if (state === 'Z') return 'zombie';
  // X: being torn down ("dead" in the kernel's words); it will never run again.
  if (state === 'X') return 'dead';
  return 'alive';
}

/** True if the process named by `id` still runs (not gone, not a zombie, pid not reused). */
export async function isAlive(id: ProcessIdentity): Promise<boolean> {
  return (await liveness(id)) === 'alive';
}

/**
 * Sends `signal` to every process in group `pgid`. Returns false if the group no longer exists.
 * Refuses pgid <= 1: kill(0) and kill(-1) would hit our own group or every process we may signal.
 */
export function killProcessGroup(pgid: number, signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
  if (!Number.isSafeInteger(pgid) || pgid <= 1) {
    throw new BatonError('INTERNAL', `Refusing to signal process group ${pgid}.`);
  }
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if (isCode(err, 'ESRCH')) return false;
    throw err;
  }
}

/**
 * Polls until the process named by `id` no longer runs (a zombie counts as gone: it cannot act)
 * or `timeoutMs` passes. Returns true if it is gone.
 */
export async function waitForExit(id: ProcessIdentity, timeoutMs: number, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await liveness(id)) !== 'alive') return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}

function isCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
