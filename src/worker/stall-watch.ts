/**
 * The stall watch of one agent run: every so often it fingerprints the worktree; a change counts
 * as progress, like an agent event that shows work. When neither happened for `stallMs`, it tells
 * the chain, which decides whether a running agent is to be interrupted as stalled.
 */
import { worktreeFingerprint } from './progress.js';

/** What the watch reads and reports. */
export interface StallWatchSpec {
  worktree: string;
  stallMs: number;
  /** When the last progress of either kind was seen (ms since the epoch). */
  lastProgress(): number;
  /** A worktree change was seen at `now`. */
  onProgress(now: number): void;
  /** No progress for `idleMs` (> stallMs): called on every look until the watch is stopped. */
  onIdle(idleMs: number): Promise<void>;
}

/** A started watch. */
export interface StallWatch {
  stop(): void;
}

/** Starts watching; one look at a time, however long a fingerprint or `onIdle` takes. */
export function watchForStall(spec: StallWatchSpec): StallWatch {
  const { worktree, stallMs } = spec;
  let fingerprint: string | null = null;
  let busy = false;
  const check = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const now = Date.now();
      const next = await worktreeFingerprint(worktree).catch(() => null);
      if (next !== null && fingerprint !== null && next !== fingerprint) spec.onProgress(now);
      fingerprint = next ?? fingerprint;
      const idle = Date.now() - spec.lastProgress();
      if (idle > stallMs) await spec.onIdle(idle);
    } finally {
      busy = false;
    }
  };
  // The first look (the baseline) waits one interval: at spawn the CPU belongs to the agent's start.
  const timer = setInterval(() => void check(), Math.max(100, Math.min(stallMs / 4, 30_000)));
  return { stop: () => clearInterval(timer) };
}
