/**
 * A `baton worker` process as its dispatcher holds it before handing it an assignment: spawned
 * detached (it must outlive whoever started it), its stdin the assignment pipe and its fd 3 the
 * acknowledgement pipe. Until it is assigned it holds nothing, so discarding it is always safe.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProcessIdentity } from '../domain/types.js';
import { spawnDetachedNow } from '../proc/exec.js';
import { identityOf, waitForExit } from '../proc/identity.js';

/** A spawned, not yet assigned worker. */
export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Its pid, start time and boot id: the name a lock is taken in. */
  holder: ProcessIdentity;
}

/** The CLI entry that runs `baton worker`. */
function cliEntry(): string {
  return fileURLToPath(new URL('../cli/main.js', import.meta.url));
}

/**
 * Spawns `baton worker` in `root` with its own output going to `outputFile` (appended); null
 * when no process could be started. Never rejects: a caller may start it early and look later.
 */
export async function spawnWorker(root: string, outputFile: string): Promise<WorkerProcess | null> {
  let child: ChildProcess;
  try {
    const outFd = openSync(outputFile, 'a');
    try {
      // The child has its own copy of the fd once spawned, which spawn does before it returns.
      ({ child } = spawnDetachedNow(process.execPath, [...process.execArgv, cliEntry(), 'worker'], {
        cwd: root,
        stdio: ['pipe', outFd, outFd, 'pipe'],
        env: process.env,
      }));
    } finally {
      closeSync(outFd);
    }
  } catch {
    return null;
  }
  // A failed spawn reports through 'error'; without a listener that would be an uncaught exception.
  child.on('error', () => undefined);
  const pid = child.pid;
  const holder = pid === undefined ? null : await identityOf(pid).catch(() => null);
  if (pid === undefined || holder === null) return null;
  return { child, pid, holder };
}

/** Ends a worker that was never assigned (it holds nothing) and waits until it has exited. */
export async function discardWorker(w: WorkerProcess): Promise<void> {
  w.child.stdin?.destroy();
  const ackStream = w.child.stdio[3];
  if (ackStream && 'destroy' in ackStream) ackStream.destroy();
  try {
    process.kill(w.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await waitForExit(w.holder, 2000);
  w.child.unref();
}
