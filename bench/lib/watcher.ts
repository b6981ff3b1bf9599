/** The benchmark's use of the rig: a CLI call that must succeed, a watcher started and stopped. */
import { type Background, type CliResult, type Rig, spawnBaton } from '../../test/helpers/rig.ts';

/** Awaits a CLI call and throws unless it exited 0: a failed step makes every figure after it void. */
export async function must(p: Promise<CliResult>, what: string): Promise<CliResult> {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}`);
  return r;
}

/** Starts `baton watch` in the rig's repository; resolves once it says it is watching. */
export async function startWatcher(rig: Rig): Promise<Background> {
  const w = spawnBaton(rig, ['watch']);
  await w.waitForLine(/watching/, 60_000);
  return w;
}

/** Ends a watcher as a person would (SIGTERM, so it shuts down cleanly) and waits for its exit. */
export async function stopWatcher(w: Background): Promise<void> {
  try {
    process.kill(w.pid, 'SIGTERM');
  } catch {
    // Already gone: `exited` has resolved.
  }
  await w.exited;
}
