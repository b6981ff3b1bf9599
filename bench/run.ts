/**
 * baton's benchmark (issue 6). Runs the built CLI (dist/) against temporary repositories made by
 * the test rig (test/helpers/rig.ts) with the fake agents, prints a table and writes
 * bench/results.json. The measures, one file each:
 *
 *   latency    bench/latency.ts: drop → agent start and `baton dispatch` → agent start (median,
 *              p99), each next to a bare start of the same fake agent measured interleaved (the
 *              floor), and their ratio; a queued follow-up's agent start after the previous
 *              run's exit (target < 30 ms)
 *   scale      bench/scale.ts: heartbeat cycle (`watch --once`, in-process time, and a running
 *              watcher's cycles) at each size (< 1 s at 10,000); `status --json` wall time at
 *              1,000 tasks (< 300 ms)
 *   idle       bench/idle.ts: a watcher over 1,000 tasks for BENCH_IDLE_S: CPU (< 1 % of a core)
 *              and RSS (< 120 MB); on scale's 1,000-task repository when scale runs it, else on
 *              one of its own
 *   hooks      bench/hooks.ts (a child process): what baton's git hooks add to a commit
 *   radar      bench/radar.ts: the heartbeat with the conflict radar at 1,000 tasks and 20 live
 *              branches, cold, idle and with one branch moved (< 1 s), and the radar's git
 *              processes while nothing moves, counted by a logging `git` on PATH (target 0)
 *   ui         bench/ui.ts: `baton ui` at 1,000 tasks in headless Chromium: the board's render
 *              (< 1 s), a change on disk → the page, and the event stream while nothing changes
 *
 * A missed target is profiled (--cpu-prof) and its top functions by self time are reported.
 *
 * Usage: npm run bench   (= npm run build && node bench/run.ts; Node ≥ 22.18 runs .ts directly)
 *   node bench/run.ts [measure ...]   only these measures, e.g. `node bench/run.ts latency idle`
 *   BENCH_ONLY=latency,idle           the same, from the environment
 *   BENCH_SKIP=hooks,idle             every measure but these
 *   BENCH_N=20                        samples per latency (hooks: min(BENCH_N, 20) commits a case)
 *   BENCH_IDLE_S=30                   seconds the idle watcher is watched
 *   BENCH_SIZES=100,1000,10000        task counts for scale (status runs at 1,000 only)
 *   BENCH_UI_IDLE_S=10                seconds the ui's event stream is watched while idle
 *   BENCH_OUT=bench/results.json      where the results are written
 */
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { batonBin, projectRoot, runCommand } from '../test/helpers/rig.ts';
import type { HooksResult } from './hooks.ts';
import { idleAlone, idleWatcher } from './idle.ts';
import { latency } from './latency.ts';
import { radarBench } from './radar.ts';
import { r1 } from './lib/stats.ts';
import { formatTable, type Results } from './lib/table.ts';
import { scale } from './scale.ts';
import { uiBench } from './ui.ts';

const MEASURES = ['latency', 'scale', 'idle', 'hooks', 'radar', 'ui'] as const;
type Measure = (typeof MEASURES)[number];

const list = (s: string | undefined): string[] => (s ?? '').split(',').filter(Boolean);
const N = Number(process.env.BENCH_N ?? 20);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 30);
const SIZES = list(process.env.BENCH_SIZES ?? '100,1000,10000').map(Number);
const OUT = path.resolve(projectRoot, process.env.BENCH_OUT ?? 'bench/results.json');
const asked = [...process.argv.slice(2), ...list(process.env.BENCH_ONLY)];
const skipped = list(process.env.BENCH_SKIP);
const unknown = [...asked, ...skipped].filter((m) => !(MEASURES as readonly string[]).includes(m));
if (unknown.length > 0) {
  process.stderr.write(
    `bench: unknown measure ${unknown.join(', ')}; the measures are ${MEASURES.join(', ')}\n`,
  );
  process.exit(2);
}
const wanted = (m: Measure): boolean => (asked.length === 0 || asked.includes(m)) && !skipped.includes(m);

if (!existsSync(batonBin)) {
  process.stderr.write('bench: dist/ is missing; run `npm run build` first\n');
  process.exit(1);
}

async function hooks(): Promise<HooksResult | { error: string }> {
  const r = await runCommand(process.execPath, [path.join(projectRoot, 'bench/hooks.ts'), '--json'], {
    env: { ...process.env, BENCH_N: String(Math.min(N, 20)) },
  });
  if (r.code !== 0) return { error: r.stderr.trim() };
  return JSON.parse(r.stdout) as HooksResult;
}

const commit = await runCommand('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot });
const results: Results = {
  when: new Date().toISOString(),
  commit: commit.stdout.trim(),
  node: process.version,
  cpus: os.cpus().length,
  loadAvgBefore: os.loadavg().map(r1),
};
process.stderr.write(`bench: ${N} samples per latency; load average ${results.loadAvgBefore.join(' ')}\n`);
if (wanted('latency')) results.latency = await latency(N);
if (wanted('scale'))
  Object.assign(results, await scale(SIZES, wanted('idle') ? (rig, n) => idleWatcher(rig, n, IDLE_S) : null));
if (wanted('idle') && !results.idle) results.idle = await idleAlone(IDLE_S);
if (wanted('hooks')) results.hooks = await hooks();
if (wanted('radar')) results.radar = await radarBench();
if (wanted('ui')) results.ui = await uiBench(1000, 5, Number(process.env.BENCH_UI_IDLE_S ?? 10));
results.loadAvgAfter = os.loadavg().map(r1);
writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(formatTable(results));
process.stdout.write(
  `\nload average ${results.loadAvgBefore.join(' ')} → ${results.loadAvgAfter.join(' ')}; written to ${path.relative(projectRoot, OUT)}\n`,
);
