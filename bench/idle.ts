/**
 * Idle: a watcher over a 1,000-task repository (heartbeatSeconds: 30) left alone for a while,
 * from one second after its first cycle: its CPU (ticks from /proc, % of one core) and its
 * largest RSS, sampled every 500 ms.
 */
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Rig, waitFor } from '../test/helpers/rig.ts';
import { CLK_TCK, cpuTicks, rssMb } from './lib/proc.ts';
import { r1 } from './lib/stats.ts';
import { startWatcher, stopWatcher } from './lib/watcher.ts';
import { scaleRepo } from './lib/scale-repo.ts';

/** The idle figures in results.json (`idle`). */
export interface IdleResult {
  tasks: number;
  seconds: number;
  heartbeatSeconds: number;
  cpuPctOfOneCore: number;
  maxRssMb: number;
  targets: { cpuPct: number; rssMb: number };
}

/** Measures an idle watcher for `seconds` over the rig's repository of `n` tasks. */
export async function idleWatcher(rig: Rig, n: number, seconds: number): Promise<IdleResult> {
  const w = await startWatcher(rig);
  try {
    const hb = path.join(rig.root, 'tasks/logs/heartbeat.json');
    const since = Date.now();
    await waitFor(
      'the first cycle',
      () =>
        existsSync(hb) &&
        Date.parse((JSON.parse(readFileSync(hb, 'utf8')) as { ts: string }).ts) >= since - 1000,
      120_000,
      50,
    );
    // Not a wait for correctness: the figure is of the watcher at rest, once its start has settled.
    await sleep(1000);
    const t0 = cpuTicks(w.pid);
    const start = performance.now();
    let maxRss = 0;
    while (performance.now() - start < seconds * 1000) {
      maxRss = Math.max(maxRss, rssMb(w.pid));
      await sleep(500);
    }
    const secs = (performance.now() - start) / 1000;
    const cpuPct = ((cpuTicks(w.pid) - t0) / CLK_TCK / secs) * 100;
    return {
      tasks: n,
      seconds: r1(secs),
      heartbeatSeconds: 30,
      cpuPctOfOneCore: r1(cpuPct),
      maxRssMb: r1(maxRss),
      targets: { cpuPct: 1, rssMb: 120 },
    };
  } finally {
    await stopWatcher(w);
  }
}

/** The idle measure on its own: builds the 1,000-task repository the scale measure would have. */
export async function idleAlone(seconds: number): Promise<IdleResult> {
  const rig = await scaleRepo(1000);
  try {
    return await idleWatcher(rig, 1000, seconds);
  } finally {
    await rig.cleanup();
  }
}
