/**
 * The watcher's warm standby worker: one `baton worker` started ahead of need, booted and waiting
 * on its stdin, so that starting a worker for a drop costs a pipe write instead of a node start
 * and module loading (100–400 ms on this path).
 *
 * A standby is handed its assignment exactly like a freshly spawned worker (start-worker.ts: the
 * lock is taken in its name, the assignment goes on its stdin, the ack comes on fd 3), so the
 * lock argument does not change. Until then it holds nothing — no lock, no task, no directory (it
 * waits in `/`) — and is counted nowhere: status, doctor and maxConcurrent count lock holders.
 * It ends when its stdin closes without an assignment: on `dispose`, and when the watcher dies
 * (the kernel closes the pipe), so it never outlives an idle watcher.
 *
 *   empty ──refill──▶ standing by ──take──▶ handed out (start-worker owns it) ──▶ empty
 *                         │ exits on its own ──▶ empty (the next take refills; no restart loop)
 *   any ──dispose──▶ disposed: the standby is ended and none is started again
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { RepoPaths } from '../store/paths.js';
import { discardWorker, spawnWorker, type WorkerProcess } from './worker-process.js';

/**
 * How long after a hand-out the next standby is started. Its boot costs a core for 100–400 ms;
 * started at once it would compete with the agent the hand-out is starting (2 cores here).
 */
const REFILL_DELAY_MS = 300;

/** Where standbys run and write. */
export interface StandbyOptions {
  /** Where a standby's own output goes (it has no task yet). */
  outputFile: string;
  refillDelayMs?: number;
}

/** Keeps one standby worker ready. */
export class StandbyPool {
  readonly #outputFile: string;
  readonly #refillDelayMs: number;
  #standby: Promise<WorkerProcess | null> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #disposed = false;
  readonly #exitListeners = new WeakMap<ChildProcess, () => void>();

  constructor(opts: StandbyOptions) {
    this.#outputFile = opts.outputFile;
    this.#refillDelayMs = opts.refillDelayMs ?? REFILL_DELAY_MS;
  }

  /** Starts the first standby. */
  start(): void {
    this.#refill();
  }

  /** True when a standby stands by (it may still be booting: a hand-out then waits less than a spawn). */
  get standing(): boolean {
    return this.#standby !== null;
  }

  /**
   * Hands out the standby, to be assigned at once; null when none stands by. Either way the
   * next one is started `refillDelayMs` later.
   */
  async take(): Promise<WorkerProcess | null> {
    const standby = this.#standby;
    this.#standby = null;
    this.#schedule();
    const w = standby === null ? null : await standby;
    if (w === null || w.child.exitCode !== null || w.child.signalCode !== null) return null;
    // Only our own listener: execa's, which settles its result, must stay.
    const onExit = this.#exitListeners.get(w.child);
    if (onExit) w.child.off('exit', onExit);
    setRef(w, true);
    return w;
  }

  /** Ends the standby and starts none again; resolves once it has exited. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    if (this.#timer) clearTimeout(this.#timer);
    const standby = this.#standby;
    this.#standby = null;
    const w = standby === null ? null : await standby;
    if (w !== null) await discardWorker(w);
  }

  #schedule(): void {
    if (this.#disposed || this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#refill();
    }, this.#refillDelayMs);
    this.#timer.unref();
  }

  #refill(): void {
    if (this.#disposed || this.#standby !== null) return;
    const next: Promise<WorkerProcess | null> = spawnWorker('/', this.#outputFile).then((w) => {
      if (w === null) {
        if (this.#standby === next) this.#standby = null;
        return null;
      }
      // An idle standby never keeps the watcher's process alive.
      setRef(w, false);
      const onExit = (): void => {
        if (this.#standby === next) this.#standby = null;
      };
      this.#exitListeners.set(w.child, onExit);
      w.child.once('exit', onExit);
      return w;
    });
    this.#standby = next;
  }
}

/**
 * Where the standbys of the repository at `paths` write what they print before they have a task
 * (normally nothing): the `outputFile` of its pool.
 */
export function standbyLog(paths: RepoPaths): string {
  return path.join(paths.logsDir, 'standby.log');
}

/** Whether the process and its pipes keep the event loop alive. */
function setRef(w: WorkerProcess, ref: boolean): void {
  for (const handle of [w.child, w.child.stdin, w.child.stdio[3]] as unknown[]) {
    const h = handle as { ref?(): void; unref?(): void } | null;
    if (ref) h?.ref?.();
    else h?.unref?.();
  }
}
