/**
 * What a task's history says about the deliveries of earlier workers, read once when a chain
 * starts. Pure: it reads records, not files.
 *
 * A run is *concluded* once an agent process recorded its own start (`agent_started`, written
 * by the agent's process before it becomes the agent), or the worker recorded the run's end
 * (`run_exited`: the agent ran, or its start failed or was killed, and the run failed, visibly),
 * or, in histories from before `agent_started` existed, `run_started` (without
 * `startRecorded`). A follow-up whose every `prompt_sent` belongs to an unconcluded run never
 * reached an agent: its worker was killed between recording the prompt and starting the agent.
 * It is sent again; one that reached an agent is never sent again.
 */
import type { HistoryEvent, PromptSent } from '../domain/history.js';

/** An agent that recorded its start but whose end no worker recorded: it may still run. */
export interface UnfinishedAgent {
  runId: string;
  n: number;
  pid: number;
}

/** The deliveries a new chain inherits. */
export interface DeliveryLedger {
  /** Every follow-up id some `prompt_sent` named, delivered or not. */
  sent: Set<string>;
  /** `prompt_sent` records whose follow-ups never reached an agent, oldest first: send them again. */
  undelivered: PromptSent[];
  /** Agents of earlier runs with no recorded exit. */
  unfinished: UnfinishedAgent[];
}

/** The follow-up ids a `prompt_sent` record delivers. */
export function followupIdsOf(r: HistoryEvent): string[] {
  return r.type === 'prompt_sent' ? (r.followupIds ?? []) : [];
}

/** `runId#n`: one agent run within a worker's run. */
export function runKey(r: HistoryEvent): string | null {
  const n = 'n' in r ? r.n : undefined;
  return r.runId !== null && n !== undefined ? `${r.runId}#${n}` : null;
}

/** The runs that reached an agent, or ended without one (see the module comment). */
export function concludedRuns(records: readonly HistoryEvent[]): Set<string> {
  const concluded = new Set<string>();
  for (const r of records) {
    const key = runKey(r);
    if (key === null) continue;
    const oldStart = r.type === 'run_started' && r.startRecorded !== true;
    if (r.type === 'agent_started' || r.type === 'run_exited' || oldStart) concluded.add(key);
  }
  return concluded;
}

/** Reads the ledger from a task's history; `self` is the run id of the chain reading it. */
export function deliveryLedger(records: readonly HistoryEvent[], self: string): DeliveryLedger {
  const concluded = concludedRuns(records);
  const exited = new Set<string>();
  for (const r of records) {
    const key = runKey(r);
    if (key !== null && r.type === 'run_exited') exited.add(key);
  }
  const sent = new Set<string>();
  const reached = new Set<string>();
  const latest = new Map<string, PromptSent>();
  for (const r of records) {
    if (r.type !== 'prompt_sent') continue;
    const ids = followupIdsOf(r);
    if (ids.length === 0) continue;
    const key = runKey(r);
    const ok = key !== null && concluded.has(key);
    for (const id of ids) {
      sent.add(id);
      latest.set(id, r);
      if (ok) reached.add(id);
    }
  }
  const undelivered: PromptSent[] = [];
  for (const [id, r] of latest) {
    if (reached.has(id) || r.runId === self || undelivered.includes(r)) continue;
    undelivered.push(r);
  }
  undelivered.sort((a, b) => records.indexOf(a) - records.indexOf(b));
  const unfinished: UnfinishedAgent[] = [];
  for (const r of records) {
    const key = runKey(r);
    if (r.type !== 'agent_started' || r.runId === null || key === null || exited.has(key)) continue;
    if (r.runId === self) continue;
    if (Number.isSafeInteger(r.pid) && r.pid > 1) unfinished.push({ runId: r.runId, n: r.n, pid: r.pid });
  }
  return { sent, undelivered, unfinished };
}
