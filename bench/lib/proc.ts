/** What a running process costs, read from /proc (Linux only, as the benchmark is). */
import { readFileSync } from 'node:fs';
import { statFields } from '../../test/helpers/processes.ts';

/** Clock ticks per second in /proc/<pid>/stat: sysconf(_SC_CLK_TCK), 100 on Linux. */
export const CLK_TCK = 100;

/** CPU time `pid` has used so far, user plus system, in clock ticks (proc(5) fields 14 and 15). */
export function cpuTicks(pid: number): number {
  const f = statFields(pid);
  return Number(f[11]) + Number(f[12]);
}

/** Resident memory of `pid` in MB (NaN when /proc does not say). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) / 1024 : NaN;
}
