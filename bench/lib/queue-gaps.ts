/**
 * The gap between queued runs of one task: from an agent's exit (its fake-agent `end` line) to
 * the next agent's start, and to its spawn (the worker's `agent_started`, taken just before it
 * spawns), with where the worker spends it from its own history timestamps. Only pairs run by
 * the same worker (same runId) count: a new worker's start-up is another measure.
 */
import { agentStarts, type Rig } from '../../test/helpers/rig.ts';
import { median, quantile, r1 } from './stats.ts';

/** The queued-next-start figures in results.json (`latency.queuedNextStart`), in ms. */
export interface QueuedNextStart {
  samples: number;
  exitToAgentStartMs: { median: number; p99: number };
  exitToSpawnMs: { median: number; p99: number };
  batonOverheadMs: number;
  phasesMedianMs: { exitToRunExited: number; runExitedToPromptSent: number; promptSentToSpawn: number };
  targetMs: number;
}

const ms = (ts: unknown): number => Date.parse(String(ts));

/** Measures the gaps of task `slug` once its queue has drained; `floorMs` is the bare agent start. */
export function queuedGaps(rig: Rig, slug: string, floorMs: number): QueuedNextStart {
  const pids = new Set(agentStarts(rig, slug).map((e) => e.pid));
  const own = rig.fakeEvents().filter((e) => pids.has(e.pid));
  const starts = own.filter((e) => e.event === 'start');
  const gapStart: number[] = [];
  const gapSpawn: number[] = [];
  const toRunExited: number[] = [];
  const toPromptSent: number[] = [];
  const toSpawn: number[] = [];
  const h = rig.history(slug);
  const at = (type: string, runId: unknown, n: unknown) =>
    h.find((x) => x.type === type && x.runId === runId && x.n === n);
  for (let i = 1; i < starts.length; i++) {
    const cur = starts[i] as (typeof starts)[number];
    const prev = starts[i - 1] as (typeof starts)[number];
    const prevEnd = own.find((e) => e.event === 'end' && e.pid === prev.pid);
    // agent_started's ts is taken by the worker just before it spawns the agent (same pid after exec).
    const rs = h.find((x) => x.type === 'agent_started' && x.pid === cur.pid);
    const rsPrev = h.find((x) => x.type === 'agent_started' && x.pid === prev.pid);
    if (!prevEnd || !rs || !rsPrev || rs.runId !== rsPrev.runId) continue; // same worker only
    gapStart.push(cur.t - prevEnd.t);
    gapSpawn.push(ms(rs.ts) - prevEnd.t);
    const exited = at('run_exited', rsPrev.runId, rsPrev.n);
    const sent = at('prompt_sent', rs.runId, rs.n);
    if (!exited || !sent) continue;
    toRunExited.push(ms(exited.ts) - prevEnd.t);
    toPromptSent.push(ms(sent.ts) - ms(exited.ts));
    toSpawn.push(ms(rs.ts) - ms(sent.ts));
  }
  return {
    samples: gapStart.length,
    exitToAgentStartMs: { median: r1(median(gapStart)), p99: r1(quantile(gapStart, 0.99)) },
    exitToSpawnMs: { median: r1(median(gapSpawn)), p99: r1(quantile(gapSpawn, 0.99)) },
    batonOverheadMs: r1(median(gapStart) - floorMs),
    phasesMedianMs: {
      exitToRunExited: r1(median(toRunExited)),
      runExitedToPromptSent: r1(median(toPromptSent)),
      promptSentToSpawn: r1(median(toSpawn)),
    },
    targetMs: 30,
  };
}
