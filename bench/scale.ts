/**
 * Scale: what baton costs as a repository grows to `n` tasks.
 *
 *   heartbeat  one cycle of `watch --once` (its own `durationMs`, and the wall time of the
 *              command), three runs, then the first and the warm cycles of a running watcher
 *   status     `baton status --json` wall time at 1,000 tasks, beside `node -e 0` and
 *              `baton --version` for scale
 *
 * A missed target (10,000-task cycle > 1 s, status > 300 ms) is profiled.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fakeAgentsYaml, type Rig, runCommand, waitFor } from '../test/helpers/rig.ts';
import { scaleRepo } from './lib/scale-repo.ts';
import { profiled, type ProfileSummary } from './lib/profile.ts';
import { median, quantile, r1 } from './lib/stats.ts';
import { must, startWatcher, stopWatcher } from './lib/watcher.ts';
import type { IdleResult } from './idle.ts';

/** One size's heartbeat row in results.json (`heartbeat[]`), in ms. */
export interface HeartbeatRow {
  tasks: number;
  cycleMs: { median: number; max: number };
  wallMs: number;
  watcher: { firstMs: number; warmMedianMs: number };
}

/** The status figures in results.json (`status`), in ms. */
export interface StatusResult {
  tasks: number;
  wallMs: { median: number; p99: number };
  nodeBareStartMs: number;
  batonVersionMs: number;
  targetMs: number;
}

/** The scale part of results.json; `idle` is filled when the idle measure ran on the 1,000-task repository. */
export interface ScaleResult {
  heartbeat: HeartbeatRow[];
  status: StatusResult | null;
  idle: IdleResult | null;
  profiles: Record<string, ProfileSummary | null>;
}

/** Where both scale and idle run, idle measures the same repository, right after status. */
export type IdleAt1000 = ((rig: Rig, n: number) => Promise<IdleResult>) | null;

/**
 * Cycles of a running watcher (heartbeatSeconds: 1): the first one at start, then warm ones, which
 * may reuse what the watcher keeps between cycles. Times are the cycles' own `durationMs`.
 */
async function watcherCycles(rig: Rig): Promise<HeartbeatRow['watcher']> {
  const yaml = path.join(rig.root, 'baton.yaml');
  const saved = readFileSync(yaml, 'utf8');
  await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 1'));
  const hb = path.join(rig.root, 'tasks/logs/heartbeat.json');
  const since = Date.now();
  const w = await startWatcher(rig);
  const seen = new Map<string, number>();
  try {
    await waitFor(
      'four watcher cycles',
      () => {
        try {
          const h = JSON.parse(readFileSync(hb, 'utf8')) as { ts: string; durationMs: number };
          if (Date.parse(h.ts) >= since - 1000) seen.set(h.ts, h.durationMs);
        } catch {
          // being replaced
        }
        return seen.size >= 4;
      },
      300_000,
      20,
    );
  } finally {
    await stopWatcher(w);
    await rig.writeConfig(saved);
  }
  const d = [...seen.values()];
  return { firstMs: r1(d[0] as number), warmMedianMs: r1(median(d.slice(1))) };
}

/** `status --json` at `n` tasks, seven runs, with `node -e 0` and `baton --version` interleaved for scale. */
async function statusAt(rig: Rig, n: number): Promise<StatusResult> {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    await must(rig.baton(['status', '--json']), 'status --json');
    times.push(performance.now() - t0);
  }
  const version: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t0 = performance.now();
    await runCommand(process.execPath, ['-e', '0']);
    bare.push(performance.now() - t0);
    t0 = performance.now();
    await must(rig.baton(['--version']), 'baton --version');
    version.push(performance.now() - t0);
  }
  return {
    tasks: n,
    wallMs: { median: r1(median(times)), p99: r1(quantile(times, 0.99)) },
    nodeBareStartMs: r1(median(bare)),
    batonVersionMs: r1(median(version)),
    targetMs: 300,
  };
}

/** Measures every size in turn, each in its own repository (removed once measured). */
export async function scale(sizes: number[], idleAt1000: IdleAt1000): Promise<ScaleResult> {
  const out: ScaleResult = { heartbeat: [], status: null, idle: null, profiles: {} };
  for (const n of sizes) {
    const rig = await scaleRepo(n);
    try {
      const inProcess: number[] = [];
      const wall: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        const r = await must(rig.baton(['watch', '--once', '--json']), `watch --once at ${n}`);
        wall.push(performance.now() - t0);
        inProcess.push((JSON.parse(r.stdout) as { durationMs: number }).durationMs);
      }
      const row: HeartbeatRow = {
        tasks: n,
        cycleMs: { median: r1(median(inProcess)), max: r1(Math.max(...inProcess)) },
        wallMs: r1(median(wall)),
        watcher: await watcherCycles(rig),
      };
      out.heartbeat.push(row);
      if (n === 10_000 && row.cycleMs.median > 1000)
        out.profiles.heartbeat10k = await profiled(rig, ['watch', '--once', '--json'], 'cycle-10k');
      if (n === 1000) {
        out.status = await statusAt(rig, n);
        if (out.status.wallMs.median > 300)
          out.profiles.status1k = await profiled(rig, ['status', '--json'], 'status-1k');
        if (idleAt1000) out.idle = await idleAt1000(rig, n);
      }
    } finally {
      await rig.cleanup();
    }
  }
  return out;
}
