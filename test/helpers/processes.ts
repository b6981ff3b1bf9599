/**
 * Processes seen through /proc, for the rig and the benchmark: which processes a rig started
 * (found by a marker in their environment), whether one still runs, and ending them by pid.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The fields of `/proc/<pid>/stat` after the command name, so that `[0]` is the state (field 3
 * in proc(5)) and field k of proc(5) is `[k - 3]`. The name is skipped by its last `)`: it may
 * hold spaces and parentheses. Throws when the process is gone.
 */
export function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * Pids of live processes whose environment carries `BATON_TEST_MARKER=<marker>`, except the idle
 * standby worker of a watcher that still runs (src/launch/standby.ts): it holds nothing and ends
 * with its watcher, so "nothing runs but the watcher" holds with it. A standby whose watcher is
 * gone is listed: it should have ended.
 */
export function markedPids(marker: string): number[] {
  const all = allMarkedPids(marker);
  return all.filter((pid) => !isIdleStandby(pid, all));
}

function allMarkedPids(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (env.includes(`BATON_TEST_MARKER=${marker}\0`) && !isZombie(pid)) pids.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** A `baton worker` still waiting in `/` for its assignment, child of a marked process (its watcher). */
function isIdleStandby(pid: number, marked: number[]): boolean {
  try {
    if (!/\0worker\0$/.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1'))) return false;
    if (readlinkSync(`/proc/${pid}/cwd`) !== '/') return false;
    return marked.includes(Number(statFields(pid)[1]));
  } catch {
    return false;
  }
}

function isZombie(pid: number): boolean {
  try {
    return statFields(pid)[0] === 'Z';
  } catch {
    return true;
  }
}

/** SIGKILLs every process carrying the marker, by pid, until none is left. */
export async function killMarked(marker: string): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const pids = allMarkedPids(marker);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Live `baton worker` processes whose parent is `parent` (a watcher, or a `baton dispatch`); with
 * `idleOnly`, only those still waiting in `/` for an assignment: a watcher's idle standbys.
 */
export function workersOf(parent: number, opts: { idleOnly?: boolean } = {}): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      if (Number(statFields(pid)[1]) !== parent || !processAlive(pid)) continue;
      if (!readFileSync(`/proc/${pid}/cmdline`, 'latin1').endsWith('\0worker\0')) continue;
      if (opts.idleOnly !== true || readlinkSync(`/proc/${pid}/cwd`) === '/') out.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** True while `pid` runs and is not a zombie (by /proc: tests end processes by pid). */
export function processAlive(pid: number): boolean {
  try {
    return !isZombie(pid) && readFileSync(`/proc/${pid}/stat`, 'latin1').length > 0;
  } catch {
    return false;
  }
}
