/**
 * The worker's chain of agent runs under one lock: the first prompt, then every follow-up that
 * waits in the inbox, one run each (or joined, with `batchFollowups`), interrupt follow-ups
 * first (steps.ts). Each run resumes the agent's own session when it can; when it cannot, a new
 * session is started with the task and every earlier prompt, and history says so (session.ts).
 * While an agent runs, steer items go into it, interrupt and stop items interrupt it, and a
 * stall watch (stall-watch.ts) interrupts it when it makes no progress. This file owns the
 * loop, the inbox scan while an agent runs, and signalling the agent; the states are in
 * chain-state.ts (with a diagram), one run is built and run in run-one.ts.
 *
 * Exactly once: an inbox item is removed only after its `prompt_sent` (naming the item) is in
 * history; an item found in the inbox whose `prompt_sent` is already there (a crash between the
 * two) is removed without running again. A prompt whose agent never recorded its start (its
 * worker was killed between `prompt_sent` and the agent's exec) is sent again, first; an agent
 * of an earlier run that outlived its worker is ended before anything starts (orphans.ts).
 */
import type { RunOutcome } from '../agents/types.js';
import type { ProcessIdentity, Task } from '../domain/types.js';
import { crashPoint } from '../proc/crash.js';
import { identityOf } from '../proc/identity.js';
import { settlesWithin } from '../proc/timeout.js';
import { readHistory } from '../store/history.js';
import { kindOfId, listInbox, readItem, removeItem, type InboxItem } from '../store/inbox.js';
import { taskPaths, type TaskPaths } from '../store/paths.js';
import { readStatus } from '../store/status.js';
import type { AgentRun } from './agent-run.js';
import { runOne, type RunSetting } from './run-one.js';
import type { StartKind } from '../domain/assignment.js';
import { Coalesced } from './coalesce.js';
import { deliveryLedger } from './deliveries.js';
import { endOrphans } from './orphans.js';
import { fallbackStep, recoverSessionId } from './session.js';
import { nextFromInbox, openingSteps, type Step } from './steps.js';
import { ChainLifecycle } from './chain-state.js';

/** Everything the chain needs, wired by the worker. */
export interface ChainContext extends RunSetting {
  task: Task;
  batchFollowups: boolean;
  interruptGraceMs: number;
  onAgent(agent: ProcessIdentity | null): Promise<void>;
  lost(): boolean;
}

/** How the chain ended. */
export interface ChainEnd {
  last: RunOutcome | null;
  /** A `stop` was asked for: the final state is `interrupted` and the inbox is left waiting. */
  stopped: boolean;
  /** The agent made no progress for `stallMs` and was interrupted: the final state is `stalled`. */
  stalled: boolean;
}

/** The chain of runs of one worker lock acquisition. */
export class Chain {
  readonly #ctx: ChainContext;
  readonly #tp: TaskPaths;
  readonly #life = new ChainLifecycle();
  #sessionId: string | null = null;
  #runs = 0;
  #n = 0;
  /** The running agent (`running`, `interrupting`, and `stopping`/`stalling` while one runs). */
  #current: AgentRun | null = null;
  /** The SIGINT, SIGTERM, SIGKILL sequence sent to the current agent, once one was started. */
  #signals: Promise<void> | null = null;
  readonly #scan = new Coalesced(() => this.#scanOnce());
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
    await endOrphans(ledger.unfinished, this.#tp.historyFile, `run ${this.#ctx.assignment.runId}`);
    // Prompts a killed worker recorded but no agent received go first (after a new task prompt).
    const queue = openingSteps(start, this.#ctx.task, ledger.undelivered);
    let last: RunOutcome | null = null;
    let step: Step | null = queue.shift() ?? (await this.#nextFromInbox());
    while (step !== null && !this.#ctx.lost() && this.#life.canStep()) {
      last = await this.#runStep(step);
      // At a usage limit the chain ends: what waits stays queued for the resume at the reset.
      if (last.limit) break;
      step = this.#life.canStep() ? (queue.shift() ?? (await this.#nextFromInbox())) : null;
    }
    await this.#agentUpdates; // the lock is released after this: no update may land later
    const outcome = this.#life.end();
    return { last, stopped: outcome === 'stopped', stalled: outcome === 'stalled' };
  }

  /**
   * Looks at the inbox now (on a signal from whoever accepted a follow-up, or on a timer):
   * steer messages go into a live agent, interrupt and stop items interrupt the running agent.
   */
  scanInbox(): Promise<void> {
    return this.#scan.run();
  }

  async #scanOnce(): Promise<void> {
    for (const id of await listInbox(this.#tp.inboxDir)) {
      if (kindOfId(id) === 'queue') continue; // waits its turn: nothing to do while a run goes on
      const item = await readItem(this.#tp.inboxDir, id);
      if (item === null) continue;
      switch (item.kind) {
        case 'stop':
        case 'stall':
          if (item.runId !== null && item.runId !== this.#ctx.assignment.runId) {
            await removeItem(this.#tp.inboxDir, id); // meant for a run that has ended
            continue;
          }
          this.#life.askStop(item.kind);
          await removeItem(this.#tp.inboxDir, id);
          await this.#signalForStop();
          break;
        case 'interrupt':
          await this.#interruptFor(`follow-up ${id}`);
          break;
        case 'steer':
          await this.#steer(item);
          break;
        case 'queue':
          break;
        default:
          throw new Error(`unknown inbox kind ${String(item.kind satisfies never)}`);
      }
    }
  }

  /** The next step from the inbox; none once a stop was asked (a stop found there asks it). */
  async #nextFromInbox(): Promise<Step | null> {
    if (!this.#life.canStep()) return null;
    return nextFromInbox({
      inboxDir: this.#tp.inboxDir,
      historyFile: this.#tp.historyFile,
      runId: this.#ctx.assignment.runId,
      sent: this.#sent,
      batchFollowups: this.#ctx.batchFollowups,
      onStop: (kind) => this.#life.askStop(kind),
    });
  }

  // ---- acting on the agent (the decisions are ChainLifecycle's) ----------------------------

  /** After a stop or stall was asked: signals the agent, if one runs and is not signalled yet. */
  #signalForStop(): Promise<void> {
    const reason = this.#life.stopReason();
    return reason === null ? Promise.resolve() : (this.#signals ?? this.#signal(reason));
  }

  /** An interrupt follow-up: the running agent is signalled, and the follow-up runs next. */
  #interruptFor(reason: string): Promise<void> {
    const act = this.#life.interrupt();
    switch (act) {
      case 'signal':
        return this.#signal(reason);
      case 'join':
        return this.#signals ?? Promise.resolve();
      case 'none':
        return Promise.resolve();
      default:
        throw new Error(`unknown interrupt action ${String(act satisfies never)}`);
    }
  }

  /** The stall watch saw no progress for `idleMs`. */
  async #noProgress(idleMs: number): Promise<void> {
    if (!this.#life.noProgress()) return;
    await this.#ctx.rec.event('stalled', { n: this.#n, idleSeconds: Math.round(idleMs / 1000) });
    await this.#signalForStop();
  }

  /** SIGINT to the agent's group, then SIGTERM, then SIGKILL, `interruptGraceMs` apart. */
  #signal(reason: string): Promise<void> {
    const run = this.#current;
    if (run === null) return Promise.resolve();
    const { rec, interruptGraceMs } = this.#ctx;
    this.#signals = (async () => {
      void rec.status({ state: 'interrupting' });
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
        await rec.event('interrupt_sent', { n: this.#n, signal: sig, reason, pid: run.pid });
        if (!run.signal(sig)) break;
        if (await settlesWithin(run.done, interruptGraceMs)) break;
      }
    })();
    return this.#signals;
  }

  async #steer(item: InboxItem): Promise<void> {
    const run = this.#current;
    const { driver, rec } = this.#ctx;
    // Only into an agent that runs and is not being signalled; otherwise it runs as queued.
    if (!this.#life.canSteer() || run === null || !driver.liveInput || !driver.inputLine) return;
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

  /**
   * Names the agent in the lock (null: none runs), after every earlier such update. The lock
   * holds the agent only as a second way to find it: history's `agent_started` is the first.
   */
  #setAgent(agent: Promise<ProcessIdentity | null>): void {
    this.#agentUpdates = this.#agentUpdates
      .then(async () => this.#ctx.onAgent(await agent))
      .catch(() => undefined);
  }

  /** Runs one step; when its session cannot be resumed, as a new session instead. */
  async #runStep(step: Step): Promise<RunOutcome> {
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
    const fallback = await fallbackStep(this.#tp.historyFile, this.#ctx.task.body, step);
    await this.#ctx.rec.event('session_fallback', { reason, prompts: fallback.prompts });
    return fallback.step;
  }

  /** Delivers one step to a new agent run and waits for the run to end. */
  #runOne(step: Step): Promise<RunOutcome> {
    const sessionId = step.resume ? this.#sessionId : null;
    return runOne(this.#ctx, this.#tp, step, {
      n: ++this.#n,
      runs: ++this.#runs,
      sessionId,
      sent: this.#sent,
      onSpawn: (pid) => this.#setAgent(identityOf(pid)),
      onSession: (id) => (this.#sessionId = id),
      started: (run) => {
        this.#current = run;
        // A stop that came while the agent was being started ends it now, not when it is done.
        if (this.#life.agentStarted()) void this.#signalForStop();
        crashPoint('worker.after-spawn');
        // A steer or interrupt that arrived while the agent was starting is looked at now.
        void this.scanInbox();
      },
      noProgress: (idleMs) => this.#noProgress(idleMs),
      exited: async () => {
        const signals = this.#signals;
        this.#current = null;
        this.#signals = null;
        this.#life.agentExited();
        if (signals) await signals;
        this.#setAgent(Promise.resolve(null));
      },
    });
  }
}
