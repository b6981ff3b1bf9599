/** The table `npm run bench` prints: one row per figure, its target and whether it was met. */
import type { HooksResult } from '../hooks.ts';
import type { IdleResult } from '../idle.ts';
import type { LatencyResult } from '../latency.ts';
import type { RadarResult } from '../radar.ts';
import type { HeartbeatRow, StatusResult } from '../scale.ts';
import type { UiResult } from '../ui.ts';
import type { ProfileSummary } from './profile.ts';

/** bench/results.json: the run's context, then each measure that ran (absent when it did not). */
export interface Results {
  when: string;
  commit: string;
  node: string;
  cpus: number;
  loadAvgBefore: number[];
  latency?: LatencyResult;
  heartbeat?: HeartbeatRow[];
  status?: StatusResult | null;
  idle?: IdleResult | null;
  profiles?: Record<string, ProfileSummary | null>;
  hooks?: HooksResult | { error: string };
  radar?: RadarResult;
  ui?: UiResult;
  loadAvgAfter?: number[];
}

type Row = [string, string, string, string];

const ok = (v: number, target: number): string => (v <= target ? 'ok' : 'MISSED');

function latencyRows(L: LatencyResult): Row[] {
  const q = L.queuedNextStart;
  const ph = q.phasesMedianMs;
  return [
    ['bare fake-agent start (floor)', `${L.floorMs.median} / ${L.floorMs.p99}`, '', ''],
    [
      'drop → agent start',
      `${L.dropToAgentStartMs.median} / ${L.dropToAgentStartMs.p99}`,
      `${L.dropToAgentStartMs.ratio}× floor`,
      '',
    ],
    [
      'dispatch → agent start',
      `${L.dispatchToAgentStartMs.median} / ${L.dispatchToAgentStartMs.p99}`,
      `${L.dispatchToAgentStartMs.ratio}× floor`,
      '',
    ],
    [
      'queued: exit → next agent spawned',
      `${q.exitToSpawnMs.median} / ${q.exitToSpawnMs.p99}`,
      '< 30',
      ok(q.exitToSpawnMs.median, 30),
    ],
    [
      'queued: exit → next agent started',
      `${q.exitToAgentStartMs.median} / ${q.exitToAgentStartMs.p99}`,
      `floor + 30`,
      ok(q.batonOverheadMs, 30),
    ],
    [
      '  of which exit → run_exited → prompt_sent → spawn',
      `${ph.exitToRunExited} + ${ph.runExitedToPromptSent} + ${ph.promptSentToSpawn}`,
      '',
      '',
    ],
  ];
}

function scaleRows(results: Results): Row[] {
  const rows: Row[] = [];
  for (const h of results.heartbeat ?? []) {
    const big = h.tasks === 10_000;
    rows.push([
      `heartbeat cycle, ${h.tasks} tasks (watch --once)`,
      `${h.cycleMs.median} (wall ${h.wallMs})`,
      big ? '< 1000' : '',
      big ? ok(h.cycleMs.median, 1000) : '',
    ]);
    rows.push([
      `  in a running watcher: first / warm`,
      `${h.watcher.firstMs} / ${h.watcher.warmMedianMs}`,
      big ? '< 1000' : '',
      big ? ok(h.watcher.warmMedianMs, 1000) : '',
    ]);
  }
  const st = results.status;
  if (st)
    rows.push([
      `status --json, ${st.tasks} tasks`,
      `${st.wallMs.median} / ${st.wallMs.p99}`,
      '< 300',
      ok(st.wallMs.median, 300),
    ]);
  return rows;
}

function idleRows(idle: IdleResult): Row[] {
  return [
    [
      `watcher idle CPU, ${idle.tasks} tasks, ${idle.seconds} s`,
      `${idle.cpuPctOfOneCore} %`,
      '< 1 %',
      ok(idle.cpuPctOfOneCore, 1),
    ],
    ['watcher RSS (max)', `${idle.maxRssMb} MB`, '< 120 MB', ok(idle.maxRssMb, 120)],
  ];
}

function radarRows(r: RadarResult): Row[] {
  const at = `${r.tasks} tasks, ${r.liveBranches} live branches`;
  return [
    [
      `radar: cycle, cold (${r.cold.branches} branches, ${r.cold.pairs} pairs, ${r.cold.gitCalls} git)`,
      `${r.cold.cycleMs}`,
      '< 1000',
      ok(r.cold.cycleMs, 1000),
    ],
    [`radar: cycle, nothing moved, ${at}`, `${r.idle.cycleMs}`, '< 1000', ok(r.idle.cycleMs, 1000)],
    [
      `radar: cycle, one branch moved (${r.moved.branches} branch, ${r.moved.pairs} pair, ${r.moved.gitCalls} git)`,
      `${r.moved.cycleMs}`,
      '< 1000',
      ok(r.moved.cycleMs, 1000),
    ],
    [
      `radar: git processes per idle heartbeat (watcher; all git: ${r.watcher.gitCallsPerHeartbeat})`,
      `${r.watcher.radarGitCalls}`,
      '0',
      ok(r.watcher.radarGitCalls, 0),
    ],
  ];
}

function uiRows(ui: UiResult): Row[] {
  if ('skipped' in ui) return [['baton ui', `skipped: ${ui.skipped}`, '', '']];
  const i = ui.idle;
  return [
    [
      `ui: board render, ${ui.tasks} tasks`,
      `${ui.renderMs.median} / max ${ui.renderMs.max} (json in at ${ui.boardJsonAtMs.median})`,
      '< 1000',
      ok(ui.renderMs.median, 1000),
    ],
    [
      'ui: file change → row updated',
      `${ui.updateMs.median} / max ${ui.updateMs.max}`,
      '< 1000',
      ok(ui.updateMs.max, 1000),
    ],
    [
      `ui: idle ${i.seconds} s: events / page requests`,
      `${i.events} / ${i.pageRequests} (server ${i.serverCpuPct} % CPU, ${i.serverRssMb} MB)`,
      '0 / 0',
      i.events === 0 && i.pageRequests === 0 ? 'ok' : 'MISSED',
    ],
  ];
}

/** The table of `results`, then the profiles of missed targets, as text. */
export function formatTable(results: Results): string {
  const rows: Row[] = [
    ...(results.latency ? latencyRows(results.latency) : []),
    ...scaleRows(results),
    ...(results.idle ? idleRows(results.idle) : []),
    ...(results.ui ? uiRows(results.ui) : []),
  ];
  const hooks = results.hooks && 'results' in results.hooks ? results.hooks.results : [];
  for (const h of hooks)
    rows.push([`hooks: ${h.case}`, `+${h.overheadMs} (${h.withoutMs} → ${h.withMs})`, '', '']);
  if (results.radar) rows.push(...radarRows(results.radar));
  const head: Row = ['measure', 'ms: median / p99', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  let text = `${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`;
  for (const [name, p] of Object.entries(results.profiles ?? {})) {
    if (!p) continue;
    text += `\nprofile ${name} (${p.totalMs} ms sampled), top self time:\n`;
    for (const t of p.top) text += `  ${`${t.ms} ms`.padEnd(10)} ${`${t.pct} %`.padEnd(7)} ${t.fn}\n`;
  }
  return text;
}
