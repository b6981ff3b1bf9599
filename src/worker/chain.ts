/**
 * The worker's chain of agent runs under one lock: the first prompt, then every follow-up that
 * waits in the inbox, one run each (or joined, with `batchFollowups`), interrupt follow-ups
 * first. Each run resumes the agent's own session when it can; when it cannot, a new session is
 * started with the task and every earlier prompt, and history says so.
 *
 * Exactly once: an inbox item is removed only after its `prompt_sent` (naming the item) is in
 * history; an item found in the inbox whose `prompt_sent` is already there (a crash between the
 * two) is removed without running again. A prompt whose agent never recorded its start (its
 * worker was killed between `prompt_sent` and the agent's exec) is sent again, first; an agent
 * of an earlier run that outlived its worker is ended before anything starts (deliveries.ts).
 */
import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentDriver, RunContext, RunOutcome } from '../agents/types.js';
import { CONTINUE_INSTRUCTION, fallbackPrompt, joinFollowups, type PastPrompt } from '../domain/prompts.js';
import type { ProcessIdentity, Task } from '../domain/types.js';
import { identityOf, killProcessGroup } from '../proc/identity.js';
import { crashPoint } from '../proc/crash.js';
import { appendHistory, readHistory } from '../store/history.js';
import type { PromptSent } from '../domain/history.js';
import {
  isControl,
  kindOfId,
  listFollowups,
  listInbox,
  publishRecordedClaims,
  readItem,
  removeItem,
  type InboxItem,
  type InboxKind,
} from '../store/inbox.js';
import { carriesEnv } from '../proc/environ.js';
import { concludedRuns, deliveryLedger, followupIdsOf, runKey, type UnfinishedAgent } from './deliveries.js';
import { worktreeFingerprint } from './progress.js';
import { promptFile, taskPaths, type RepoPaths, type TaskPaths } from '../store/paths.js';
import { readStatus } from '../store/status.js';
import { startAgentRun, type AgentRun } from './agent-run.js';
import type { Assignment, StartKind } from './assignment.js';
import type { Recorder } from './recorder.js';
import { recoverSessionId } from './session.js';
import { withoutRepoVars } from '../git/env.js';

/** Everything the chain needs, wired by the worker. */
export interface ChainContext {
  assignment: Assignment;
  task: Task;
  driver: AgentDriver;
  rec: Recorder;
  paths: RepoPaths;
  /** Extra environment from the agent's config. */
  agentEnv: Record<string, string>;
  batchFollowups: boolean;
  interruptGraceMs: number;
  /** No agent event showing work and no worktree change for this long is a stall. */
  stallMs: number;
  onAgent(agent: ProcessIdentity | null): Promise<void>;
  lost(): boolean;
}

/** One prompt to run. */
interface Step {
  /** `task`, `continue`, `followup`, `interrupt`: recorded with the prompt. */
  kind: string;
  prompt: string;
  /** Resume the current session, or start a new one. */
  resume: boolean;
  /** Inbox items this step delivers; removed once its prompt_sent is recorded. */
  items: InboxItem[];
  /** The earlier `prompt_sent` (of a killed worker, never reached an agent) this step sends again. */
  redelivers?: { runId: string; n: number };
}

/** How the chain ended. */
export interface ChainEnd {
  last: RunOutcome | null;
  /** A `stop` was asked for: the final state is `interrupted` and the inbox is left waiting. */
  stopped: boolean;
  /** The agent made no progress for `stallMs` and was interrupted: the final state is `stalled`. */
  stalled: boolean;
}

/** Minimum spacing of status writes caused by output alone. */
const OUTPUT_FLUSH_MS = 1000;

/** The chain of runs of one worker lock acquisition. */
export class Chain {
  readonly #ctx: ChainContext;
  readonly #tp: TaskPaths;
  #sessionId: string | null = null;
  #runs = 0;
  #n = 0;
  #current: AgentRun | null = null;
  #interrupting: Promise<void> | null = null;
  #stopped = false;
  #stalled = false;
  #scanning = false;
  #rescan = false;
  /** Every follow-up id a `prompt_sent` named: read from history once, then kept up to date. */
  #sent = new Set<string>();
  /** Lock updates naming the running agent, in order and off the path between two runs. */
  #agentUpdates: Promise<void> = Promise.resolve();

  constructor(ctx: ChainContext) {
    this.#ctx = ctx;
    this.#tp = taskPaths(ctx.paths, ctx.assignment.slug);
  }

  /** Runs the chain to its end. */
  async run(start: StartKind): Promise<ChainEnd> {
    const [status, { events }] = await Promise.all([
      readStatus(this.#tp.statusFile),
      readHistory(this.#tp.historyFile),
    ]);
    this.#sessionId = start.kind === 'fresh' || start.kind === 'new' ? null : (status?.sessionId ?? null);
    this.#runs = status?.runs ?? 0;
    const ledger = deliveryLedger(events, this.#ctx.assignment.runId);
    this.#sent = ledger.sent;
    await this.#endUnfinished(ledger.unfinished);
    // Prompts a killed worker recorded but no agent received go first (after a new task prompt).
    const first = firstStep(start, this.#ctx.task);
    const again = ledger.undelivered.map(redeliveryStep);
    const queue = first === null ? again : first.kind === 'task' ? [first, ...again] : [...again, first];
    let last: RunOutcome | null = null;
    let step: Step | null = queue.shift() ?? (await this.#nextFromInbox());
    while (step !== null && !this.#ctx.lost() && !this.#stopped) {
      const outcome = await this.#runStep(step);
      if (outcome === 'fallback') continue;
      last = outcome;
      step = this.#stopped ? null : (queue.shift() ?? (await this.#nextFromInbox()));
    }
    await this.#agentUpdates; // the lock is released after this: no update may land later
    return { last, stopped: this.#stopped && !this.#stalled, stalled: this.#stalled };
  }

  /**
   * Looks at the inbox now (on a signal from whoever accepted a follow-up, or on a timer):
   * steer messages go into a live agent, interrupt and stop items interrupt the running agent.
   */
  async scanInbox(): Promise<void> {
    if (this.#scanning) {
      this.#rescan = true;
      return;
    }
    this.#scanning = true;
    try {
      do {
        this.#rescan = false;
        await this.#scanOnce();
      } while (this.#rescan);
    } finally {
      this.#scanning = false;
    }
  }

  async #scanOnce(): Promise<void> {
    for (const id of await listInbox(this.#tp.inboxDir)) {
      if (kindOfId(id) === 'queue') continue; // waits its turn: nothing to do while a run goes on
      const item = await readItem(this.#tp.inboxDir, id);
      if (item === null) continue;
      if (item.kind === 'stop' || item.kind === 'stall') {
        if (item.runId !== null && item.runId !== this.#ctx.assignment.runId) {
          await removeItem(this.#tp.inboxDir, id); // meant for a run that has ended
          continue;
        }
        this.#stopped = true;
        if (item.kind === 'stall') this.#stalled = true;
        await removeItem(this.#tp.inboxDir, id);
        await this.#interrupt(item.kind);
      } else if (item.kind === 'interrupt') {
        await this.#interrupt(`follow-up ${id}`);
      } else if (item.kind === 'steer') {
        await this.#steer(item);
      }
    }
  }

  async #steer(item: InboxItem): Promise<void> {
    const run = this.#current;
    const { driver, rec } = this.#ctx;
    if (run === null || !driver.liveInput || !driver.inputLine || this.#interrupting) return; // runs as queued
    if (this.#sent.has(item.id)) return;
    if (!run.write(driver.inputLine(item.body))) return;
    this.#sent.add(item.id);
    await rec.event('prompt_sent', {
      n: this.#n,
      kind: 'steer',
      mode: 'live',
      sessionId: this.#sessionId,
      followupIds: [item.id],
      prompt: item.body,
    });
    await rec.event('steer_sent', { n: this.#n, id: item.id, delivered: 'live' });
    await removeItem(this.#tp.inboxDir, item.id);
  }

  /** SIGINT to the agent's group, then SIGTERM, then SIGKILL, `interruptGraceMs` apart. */
  #interrupt(reason: string): Promise<void> {
    const run = this.#current;
    if (run === null) return Promise.resolve();
    if (this.#interrupting) return this.#interrupting;
    const { rec, interruptGraceMs } = this.#ctx;
    this.#interrupting = (async () => {
      void rec.status({ state: 'interrupting' });
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
        await rec.event('interrupt_sent', { n: this.#n, signal: sig, reason, pid: run.pid });
        if (!run.signal(sig)) break;
        if (await settlesWithin(run.done, interruptGraceMs)) break;
      }
    })();
    return this.#interrupting;
  }

  /**
   * Looks at the worktree every so often while the agent runs: a change is progress; no
   * progress of either kind for `stallMs` interrupts the agent and ends the chain as stalled.
   */
  #watchForStall(worktree: string, last: () => number, note: (now: number) => void): { stop(): void } {
    const { stallMs, rec } = this.#ctx;
    let fingerprint: string | null = null;
    let busy = false;
    const check = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        const now = Date.now();
        const next = await worktreeFingerprint(worktree).catch(() => null);
        if (next !== null && fingerprint !== null && next !== fingerprint) {
          note(now);
          void rec.status({ lastProgressAt: new Date(now).toISOString() });
        }
        fingerprint = next ?? fingerprint;
        const idle = Date.now() - last();
        if (idle > stallMs && !this.#interrupting && this.#current !== null) {
          this.#stalled = true;
          this.#stopped = true;
          await rec.event('stalled', { n: this.#n, idleSeconds: Math.round(idle / 1000) });
          await this.#interrupt('stall');
        }
      } finally {
        busy = false;
      }
    };
    // The first look (the baseline) waits one interval: at spawn the CPU belongs to the agent's start.
    const timer = setInterval(() => void check(), Math.max(100, Math.min(stallMs / 4, 30_000)));
    return { stop: () => clearInterval(timer) };
  }

  /**
   * The next step from the inbox: the oldest interrupt, else the oldest follow-up (all of them
   * with `batchFollowups`). Kinds are in the ids, so only the items chosen are read.
   */
  async #nextFromInbox(): Promise<Step | null> {
    const dir = this.#tp.inboxDir;
    // An accepted follow-up whose ingester died before publishing it runs in its place in line.
    await publishRecordedClaims(dir, this.#tp.historyFile);
    const waiting: string[] = [];
    for (const id of await listInbox(dir)) {
      if (isControl(kindOfId(id))) {
        const item = await readItem(dir, id);
        if (item === null) continue;
        // Between runs, a stop for this run ends the chain; one for another run is stale.
        if (item.runId === null || item.runId === this.#ctx.assignment.runId) {
          this.#stopped = true;
          if (item.kind === 'stall') this.#stalled = true;
        }
        await removeItem(dir, id);
        if (this.#stopped) return null;
      } else if (this.#sent.has(id)) {
        await removeItem(dir, id); // sent before a crash: never twice
      } else {
        waiting.push(id);
      }
    }
    const interrupt = await firstReadable(
      dir,
      waiting.filter((id) => kindOfId(id) === 'interrupt'),
    );
    if (interrupt) return { kind: 'interrupt', prompt: interrupt.body, resume: true, items: [interrupt] };
    const taken = this.#ctx.batchFollowups
      ? (await Promise.all(waiting.map((id) => readItem(dir, id)))).filter((i) => i !== null)
      : [await firstReadable(dir, waiting)].filter((i) => i !== null);
    if (taken.length === 0) return null;
    // A steer that could not go into a live session runs as a queued follow-up; history says so.
    return {
      kind: 'followup',
      prompt: joinFollowups(taken.map((i) => i.body)),
      resume: true,
      items: taken,
    };
  }

  /**
   * Names the agent in the lock (null: none runs), after every earlier such update. The lock
   * holds the agent only as a second way to find it: history's `agent_started` is the first.
   */
  #setAgent(agent: Promise<ProcessIdentity | null>): void {
    this.#agentUpdates = this.#agentUpdates
      .then(async () => this.#ctx.onAgent(await agent))
      .catch(() => undefined);
  }

  /**
   * Ends the agents of earlier runs that recorded their start but not their exit: their worker
   * was killed, and they may still run in this worktree. Recognised by their BATON_RUN_ID (a
   * reused pid is never signalled); their run is recorded as ended either way.
   */
  async #endUnfinished(agents: readonly UnfinishedAgent[]): Promise<void> {
    for (const agent of agents) {
      let ended = false;
      if (await carriesEnv(agent.pid, 'BATON_RUN_ID', agent.runId)) {
        killProcessGroup(agent.pid, 'SIGKILL');
        const deadline = Date.now() + 5000;
        while ((await carriesEnv(agent.pid, 'BATON_RUN_ID', agent.runId)) && Date.now() < deadline)
          await sleep(10);
        ended = true;
      }
      await appendHistory(this.#tp.historyFile, 'run_exited', agent.runId, {
        n: agent.n,
        ok: false,
        exitCode: null,
        signal: ended ? 'SIGKILL' : null,
        error: ended
          ? `its worker died; run ${this.#ctx.assignment.runId} ended the agent (pid ${agent.pid}) it left running`
          : 'its worker died while the agent ran',
        orphaned: true,
      });
    }
  }

  /** Runs one step; 'fallback' when it must be run again as a new session. */
  async #runStep(step: Step): Promise<RunOutcome | 'fallback'> {
    const { driver } = this.#ctx;
    if (step.resume && this.#sessionId === null)
      this.#sessionId = await recoverSessionId(this.#tp.logFile, driver);
    let run = step;
    if (step.resume && (this.#sessionId === null || !driver.canResume)) {
      const reason =
        this.#sessionId === null
          ? 'no session id was captured'
          : `the ${driver.name} agent cannot resume a session`;
      run = await this.#fallback(step, reason);
    }
    const outcome = await this.#runOne(run);
    if (outcome.sessionId) this.#sessionId = outcome.sessionId;
    if (run.resume && outcome.sessionNotFound) {
      const missing = this.#sessionId;
      this.#sessionId = null;
      const again = await this.#fallback(
        { ...step, items: [] },
        `the agent found no session ${missing ?? ''}`.trim(),
      );
      return this.#runStep({ ...again, resume: false });
    }
    return outcome;
  }

  async #fallback(step: Step, reason: string): Promise<Step> {
    const history = await readHistory(this.#tp.historyFile);
    // A prompt that never reached an agent is not part of the session's past.
    const concluded = concludedRuns(history.events);
    const past: PastPrompt[] = history.events
      .filter((r): r is PromptSent => r.type === 'prompt_sent')
      .filter((r) => followupIdsOf(r).length === 0 || concluded.has(runKey(r) ?? ''))
      .map((r) => ({ ts: r.ts, kind: r.kind ?? 'prompt', prompt: r.prompt }));
    await this.#ctx.rec.event('session_fallback', { reason, prompts: past.length });
    return {
      kind: `${step.kind}+fallback`,
      prompt: fallbackPrompt(this.#ctx.task.body, past, step.prompt),
      resume: false,
      items: step.items,
      ...(step.redelivers ? { redelivers: step.redelivers } : {}),
    };
  }

  async #runOne(step: Step): Promise<RunOutcome> {
    const { assignment: a, driver, rec } = this.#ctx;
    const n = ++this.#n;
    const runs = ++this.#runs;
    const sessionId = step.resume ? this.#sessionId : null;
    const file = promptFile(this.#ctx.paths, a.slug, a.runId, n);
    await fs.mkdir(this.#ctx.paths.promptsDir, { recursive: true });
    await fs.writeFile(file, step.prompt);
    const runCtx: RunContext = {
      prompt: step.prompt,
      promptFile: file,
      sessionId,
      slug: a.slug,
      worktree: a.worktree,
      runId: a.runId,
    };
    const mode = step.resume ? 'resume' : 'new';
    const argv = driver.argv(runCtx, mode);
    const followupIds = step.items.map((i) => i.id);
    await rec.event('prompt_sent', {
      n,
      kind: step.kind,
      mode,
      sessionId,
      promptFile: file,
      ...(followupIds.length
        ? { followupIds, modes: step.items.map((i) => i.kind), delivery: 'queued' }
        : {}),
      ...(step.redelivers ? { redelivery: step.redelivers } : {}),
      prompt: step.prompt,
    });
    for (const id of followupIds) this.#sent.add(id);
    crashPoint('worker.after-prompt-sent');
    for (const id of followupIds) await removeItem(this.#tp.inboxDir, id);
    await fs.appendFile(
      this.#tp.logFile,
      `\n=== baton run ${a.runId} #${n} · ${driver.name} · ${mode}${sessionId ? ` ${sessionId}` : ''} · ${new Date().toISOString()} ===\n`,
    );
    const env = agentEnv(a, file, this.#tp.historyFile, sessionId, this.#ctx.agentEnv);
    const stdin = driver.stdin(runCtx, mode);
    const pending = (await listFollowups(this.#tp.inboxDir)).length;

    let currentSession = sessionId;
    let lastFlush = 0;
    let lastProgress = Date.now();
    const noteProgress = (now: number): void => {
      lastProgress = now;
    };
    const run = await startAgentRun(
      {
        argv,
        worktree: a.worktree,
        env,
        logFile: this.#tp.logFile,
        stdin,
        driver,
        started: { historyFile: this.#tp.historyFile, runId: a.runId, n },
      },
      {
        onSpawn: (pid) => {
          void rec.status({
            state: 'running',
            agentPid: pid,
            runs,
            lastExitCode: null,
            error: null,
            retryAt: null,
            pendingFollowups: pending,
            lastProgressAt: new Date().toISOString(),
          });
          // startRecorded: this run's agent records its own start, so run_started alone (its
          // process may die before it execs) does not mean an agent got the prompt.
          void rec.event('run_started', {
            n,
            pid,
            argv: redactPrompt(argv, step.prompt),
            startRecorded: true,
          });
          this.#setAgent(identityOf(pid));
        },
        onEvent: (ev) => {
          if (ev.type === 'session' && ev.id !== currentSession) {
            currentSession = ev.id;
            this.#sessionId = ev.id;
            void rec.event('session_captured', { n, sessionId: ev.id });
            void rec.status({ sessionId: ev.id });
          } else if (ev.type === 'progress') {
            const now = Date.now();
            noteProgress(now);
            if (now - lastFlush >= OUTPUT_FLUSH_MS) {
              lastFlush = now;
              const iso = new Date(now).toISOString();
              void rec.status({ lastOutputAt: iso, lastProgressAt: iso });
            }
          }
        },
        onOutput: () => {
          const now = Date.now();
          if (now - lastFlush >= OUTPUT_FLUSH_MS) {
            lastFlush = now;
            void rec.status({ lastOutputAt: new Date(now).toISOString() });
          }
        },
      },
    );
    this.#current = run;
    crashPoint('worker.after-spawn');
    // A steer or interrupt that arrived while the agent was starting is looked at now.
    void this.scanInbox();
    const stallWatch = this.#watchForStall(a.worktree, () => lastProgress, noteProgress);
    const outcome = await run.done;
    crashPoint('worker.after-exit');
    stallWatch.stop();
    this.#current = null;
    if (this.#interrupting) await this.#interrupting;
    this.#interrupting = null;
    const finalSession = outcome.sessionId ?? currentSession;
    this.#setAgent(Promise.resolve(null));
    await rec.event('run_exited', {
      n,
      ok: outcome.ok,
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      error: outcome.error,
      sessionId: finalSession,
    });
    // Not awaited: the status write must not delay the next queued run.
    void rec.status({
      agentPid: null,
      lastExitCode: outcome.exitCode,
      sessionId: finalSession,
      error: outcome.ok ? null : outcome.error,
      pendingFollowups: (await listFollowups(this.#tp.inboxDir)).length,
    });
    return { ...outcome, sessionId: finalSession };
  }
}

/** Sends again a `prompt_sent` that never reached an agent: the same prompt, the same follow-ups. */
function redeliveryStep(r: PromptSent): Step {
  const ids = followupIdsOf(r);
  const modes = r.modes ?? [];
  return {
    kind: r.kind ?? 'followup',
    prompt: r.prompt,
    resume: r.mode === 'resume',
    items: ids.map((id, i) => ({
      id,
      kind: (modes[i] as InboxKind | undefined) ?? kindOfId(id),
      body: '',
      label: null,
      runId: null,
    })),
    redelivers: { runId: String(r.runId), n: Number(r.n) },
  };
}

/** The first of `ids` that can still be read (one may be gone or unreadable), or null. */
async function firstReadable(dir: string, ids: readonly string[]): Promise<InboxItem | null> {
  for (const id of ids) {
    const item = await readItem(dir, id);
    if (item !== null) return item;
  }
  return null;
}

function firstStep(start: StartKind, task: Task): Step | null {
  switch (start.kind) {
    case 'new':
    case 'fresh':
      return { kind: 'task', prompt: task.body, resume: false, items: [] };
    case 'continue':
      return { kind: 'continue', prompt: start.text ?? CONTINUE_INSTRUCTION, resume: true, items: [] };
    case 'inbox':
      return null;
  }
}

function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** argv with the prompt text shortened: history already holds it in full under prompt_sent. */
function redactPrompt(argv: string[], prompt: string): string[] {
  return argv.map((a) => (a === prompt && a.length > 80 ? `${a.slice(0, 77)}...` : a));
}

function agentEnv(
  a: Assignment,
  promptFilePath: string,
  historyFile: string,
  sessionId: string | null,
  extra: Record<string, string>,
): Record<string, string> {
  // The agent's own git must act on its worktree, not on a repository named by a hook's GIT_DIR.
  const env = withoutRepoVars(process.env);
  Object.assign(env, extra, {
    BATON_SLUG: a.slug,
    BATON_RUN_ID: a.runId,
    BATON_WORKTREE: a.worktree,
    BATON_PROMPT_FILE: promptFilePath,
    BATON_HISTORY_FILE: historyFile,
  });
  if (sessionId) env.BATON_SESSION_ID = sessionId;
  else delete env.BATON_SESSION_ID;
  return env;
}
