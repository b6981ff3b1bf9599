/**
 * Whether a live process carries a given environment entry: how a worker recognises an agent
 * that outlived its dead worker (every agent gets `BATON_RUN_ID`), so that a pid reused by an
 * unrelated process is never signalled. Only the owner (or root) can read a process's
 * environment, which is what baton needs: its agents run as the same user.
 */
import { readFile } from 'node:fs/promises';
import { run } from './exec.js';

/** True when process `pid` is alive and its environment holds `name=value`. */
export async function carriesEnv(pid: number, name: string, value: string): Promise<boolean> {
  if (!Number.isSafeInteger(pid) || pid <= 1) return false;
  const entry = `${name}=${value}`;
  if (process.platform === 'linux') {
    try {
      const env = await readFile(`/proc/${pid}/environ`, 'latin1');
      return env.split('\0').includes(entry);
    } catch {
      return false; // gone, a zombie (empty environ), or not ours
    }
  }
  // BSD ps: -E appends the environment to the command; -ww does not cut the line.
  const r = await run('ps', ['-wwE', '-o', 'command=', '-p', String(pid)], {
    env: { ...process.env, LC_ALL: 'C' },
  }).catch(() => null);
  return r !== null && r.failure === null && r.stdout.split(/\s+/).includes(entry);
}
