/** Ending child processes a test started: by pid, waiting until each has exited. */
import type { ChildProcess } from 'node:child_process';

/** SIGKILLs `child` (if it still runs) and resolves once it has exited. */
export async function endChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  await exited;
}
