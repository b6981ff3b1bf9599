/**
 * `baton worker`: the small supervisor that holds a task's lock for its whole life, runs the
 * agent and its follow-ups as its children, records every transition, and releases the lock
 * last. It is started detached by a dispatcher and outlives it.
 *
 * No follow-up is stranded: after releasing the lock the worker looks at the inbox once more
 * and, if something arrived meanwhile, competes for the lock again (whoever wins runs it; the
 * one who accepted the follow-up also tries, after accepting).
 *
 * Over 300 lines since cluster mode: the claim on the remote lives exactly as long as the lock
 * (claim-keeper.ts holds its logic; the few lines here tie the two lifetimes together), and a
 * stop reaches the worktree's setup as well as the agent (setup-guard.ts holds that logic).
 */
import type { AgentDriver } from '../agents/types.js';
import { createDriver } from '../agents/index.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { BatonError } from '../domain/errors.js';
import type { PortBlock } from '../domain/ports.js';
import type { ProcessIdentity, Task } from '../domain/types.js';
import { newRunId } from '../launch/run-id.js';
import { selfIdentity } from '../proc/identity.js';
import { crashPoint } from '../proc/crash.js';
import { appendHistory } from '../store/history.js';
import { listFollowups, writeControl } from '../store/inbox.js';
import { readLock, refreshLock, releaseLock, tryAcquireLock, type LockRecord } from '../store/lock.js';
import { repoPaths, taskPaths, type TaskPaths } from '../store/paths.js';
import { loadTaskFile } from '../store/taskfiles.js';
import { readStatus } from '../store/status.js';
import { MAX_AUTO_RETRIES } from '../domain/cycle.js';
import { parseAssignment, type Assignment, type StartKind } from '../domain/assignment.js';
import { Chain, type ChainEnd } from './chain.js';
import { parkAtLimit } from './limit-park.js';
import { Recorder } from './recorder.js';
import { portVars, prepareWorktree } from './setup-step.js';
import { SetupGuard } from './setup-guard.js';
import type { EventOf } from '../domain/history.js';
import { eventForStateChange } from '../domain/notify.js';
import { notify } from '../notify/notify.js';
import { clusterCtx } from '../launch/claim.js';
import { ClaimKeeper } from './claim-keeper.js';

/** How often the holder refreshes its lock's heartbeat. */
const LOCK_REFRESH_MS = 5000;
/** How often the inbox is looked at without a signal (a backstop: signals are the fast path). */
const INBOX_POLL_MS = 2000;

/** The worker's two channels to its dispatcher: the assignment in, an acknowledgement out. */
export interface WorkerIo {
  input: NodeJS.ReadableStream;
  ack(message: string): void;
}

/** Runs a worker to completion; resolves to the process exit code. */
export async function runWorker(io: WorkerIo): Promise<number> {
  // Looked up while the assignment is on its way: it is on the path from the drop to the agent.
  const identity = selfIdentity();
  const assignment = parseAssignment(await readAll(io.input));
  if (assignment === null) return 0; // the dispatcher lost the race or died before assigning
  // A standby waits in `/` (it pins no directory, and tests tell an idle one by it); an assigned
  // worker runs in its repository. Nothing depends on it: every path it uses is absolute.
  try {
    process.chdir(assignment.root);
  } catch {
    // gone meanwhile: the lock check below finds out
  }
  const self = await identity;
  const lock = await readLock(assignment.lockPath);
  if (!lock || lock.released || lock.runId !== assignment.runId || lock.holder.pid !== self.pid) {
    io.ack('lost');
    return 0;
  }
  io.ack('ok');
  return new Worker(assignment, lock, self).run();
}

class Worker {
  #a: Assignment;
  #lock: LockRecord;
  readonly #self: ProcessIdentity;
  readonly #tp: TaskPaths;
  #rec: Recorder;
  #lost = false;
  #chain: Chain | null = null;
  /** A termination signal arrived: finish in order and do not take the lock again. */
  #terminating = false;
  /** The worktree's setup while it runs: a stop is looked for there, not by a chain. */
  #setup: SetupGuard | null = null;
  /** The config this run read (null until read): whom to notify of a transition. */
  #config: Config | null = null;
  /** Cluster mode: the claim this run holds on the remote (claim-keeper.ts). */
  #keeper: ClaimKeeper | null = null;
  /** Cluster mode: why the claim was lost; the worker then stops and does not run again. */
  #claimLost: string | null = null;

  constructor(a: Assignment, lock: LockRecord, self: ProcessIdentity) {
    this.#a = a;
    this.#lock = lock;
    this.#self = self;
    this.#tp = taskPaths(repoPaths(a.root), a.slug);
    this.#rec = this.#recorder(a.runId);
    this.#rec.knownState('starting');
  }

  async run(): Promise<number> {
    const refresh = setInterval(() => void this.#refresh(), LOCK_REFRESH_MS);
    const poll = setInterval(() => void this.#look(), INBOX_POLL_MS);
    const wake = (): void => void this.#look();
    const stop = (): void => void this.#stopSelf();
    process.on('SIGURG', wake);
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    let exitCode = 0;
    try {
      let start: StartKind = this.#a.start;
      for (;;) {
        const end = await this.#runOnce(start);
        if (end === null) {
          exitCode = 1;
          break;
        }
        if (end.stopped || end.stalled || this.#lost || this.#terminating || this.#claimLost !== null) break;
        if (end.last?.limit) break; // follow-ups wait for the reset (the heartbeat resumes it)
        // Released: anything that arrived after our last look must not be stranded.
        if ((await listFollowups(this.#tp.inboxDir)).length === 0) break;
        if (!(await this.#reacquire())) break;
        start = { kind: 'inbox' };
      }
    } finally {
      clearInterval(refresh);
      clearInterval(poll);
      process.off('SIGURG', wake);
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    }
    return exitCode;
  }

  /** One lock acquisition: run the chain, record the end, release. Null when it failed to start. */
  async #runOnce(start: StartKind): Promise<ChainEnd | null> {
    const a = this.#a;
    let end: ChainEnd | null;
    try {
      // Config and task are read while worker_started is recorded: both are on the path to the agent.
      const prepared = this.#prepare();
      prepared.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled
      await this.#rec.event('worker_started', { pid: process.pid, epoch: a.epoch, start });
      const { task, driver, config } = await prepared;
      // Cluster mode: the claim is held (and renewed) before anything runs in the worktree.
      const cluster = clusterCtx(a.root, repoPaths(a.root), config.cluster);
      if (cluster !== null) {
        this.#keeper = new ClaimKeeper(cluster, a.slug, a.runId, (why) => void this.#loseClaim(why));
        await this.#keeper.start();
      }
      // Ports and the worktree's setup come before any agent run (setup-step.ts); a stop that
      // arrives meanwhile ends the setup, and no agent starts.
      const ports = await this.#setUp(task, config);
      if (ports === null) return await this.#endStopped();
      this.#chain = new Chain({
        assignment: a,
        task,
        driver,
        agentEnv: { ...config.agents[a.agent]?.env, ...portVars(ports) },
        rec: this.#rec,
        paths: repoPaths(a.root),
        batchFollowups: config.batchFollowups,
        interruptGraceMs: config.interruptGraceSeconds * 1000,
        stallMs: config.stallSeconds * 1000,
        onAgent: (agent) => this.#setAgent(agent),
        lost: () => this.#lost,
      });
      end = await this.#chain.run(start);
      const ok = end.last?.ok ?? true;
      const pendingFollowups = (await listFollowups(this.#tp.inboxDir)).length;
      if (end.stalled) {
        // The heartbeat retries it once, retryCooldownSeconds from now (docs/reference.md, "States").
        const status = await readStatus(this.#tp.statusFile);
        const canRetry = (status?.autoRetries ?? 0) < MAX_AUTO_RETRIES;
        await this.#rec.status({
          state: 'stalled',
          error: `no progress for ${config.stallSeconds} s: the agent was interrupted`,
          retryAt: canRetry ? new Date(Date.now() + config.retryCooldownSeconds * 1000).toISOString() : null,
          pid: null,
          agentPid: null,
          pendingFollowups,
        });
      } else if (!end.stopped && end.last?.limit) {
        await parkAtLimit({
          rec: this.#rec,
          paths: repoPaths(a.root),
          tp: this.#tp,
          slug: a.slug,
          agent: a.agent,
          notice: end.last.limit,
          bufferSeconds: config.limitBufferSeconds,
          pendingFollowups,
        });
      } else {
        await this.#rec.status({
          ...(end.last === null ? {} : { limitedAgent: null, limitHits: 0 }),
          state: end.stopped ? 'interrupted' : ok ? 'idle' : 'failed',
          error:
            this.#claimLost !== null
              ? `claim lost: ${this.#claimLost}`
              : end.stopped || ok
                ? null
                : (end.last?.error ?? 'the run failed'),
          pid: null,
          agentPid: null,
          pendingFollowups,
        });
      }
    } catch (err) {
      const message =
        err instanceof BatonError ? err.message : `worker error: ${String((err as Error)?.message ?? err)}`;
      // A claim lost before the agent started is an interruption, like one lost during the run.
      await this.#rec
        .status({
          state: this.#claimLost !== null ? 'interrupted' : 'failed',
          error: this.#claimLost !== null ? `claim lost: ${this.#claimLost}` : message,
          pid: null,
          agentPid: null,
        })
        .catch(() => undefined);
      end = null;
    } finally {
      this.#chain = null;
      await this.#rec.flush().catch(() => undefined);
      if (!this.#lost) {
        crashPoint('worker.before-release');
        await releaseLock(a.lockPath, this.#lock).catch(() => false);
        await this.#rec.event('lock_released', { epoch: this.#lock.epoch }).catch(() => undefined);
      }
      // The claim goes with the lock (a lost one is not ours to release).
      await this.#keeper?.release().catch(() => undefined);
      this.#keeper = null;
    }
    return end;
  }

  async #reacquire(): Promise<boolean> {
    const runId = newRunId();
    const got = await tryAcquireLock(this.#a.lockPath, { holder: this.#self, runId, slug: this.#a.slug });
    if (!got.ok) return false; // another worker has it, and runs the inbox
    this.#lock = got.record;
    this.#a = { ...this.#a, runId, epoch: got.record.epoch, start: { kind: 'inbox' } };
    this.#rec = this.#recorder(runId);
    await appendHistory(this.#tp.historyFile, 'task_dispatched', runId, {
      epoch: got.record.epoch,
      pid: process.pid,
      agent: this.#a.agent,
      start: 'inbox',
      by: 'worker',
    });
    await this.#rec.status({
      state: 'starting',
      pid: process.pid,
      epoch: got.record.epoch,
      startedAt: new Date().toISOString(),
      error: null,
      retryAt: null,
    });
    return true;
  }

  /** The recorder of run `runId`: the transitions it records that a person cares about are notified. */
  #recorder(runId: string): Recorder {
    return new Recorder(this.#tp, this.#a.slug, runId, undefined, (e) => this.#notify(e));
  }

  #notify(e: EventOf<'state_changed'>): void {
    const event = eventForStateChange(e.from, e.to);
    if (event === null || this.#config === null) return;
    notify(
      { root: this.#a.root, config: this.#config },
      {
        event,
        slug: this.#a.slug,
        state: e.to,
        runId: e.runId,
        ts: e.ts,
        by: 'worker',
        detail: e.error ?? null,
      },
    );
  }

  async #prepare(): Promise<{ task: Task; driver: AgentDriver; config: Config }> {
    const a = this.#a;
    // The dispatcher's config (see Assignment.config); baton.yaml only from an older dispatcher.
    const config = a.config === undefined ? await loadConfig(a.root) : (a.config as unknown as Config);
    this.#config = config;
    const agentConfig = config.agents[a.agent];
    if (!agentConfig) {
      throw new BatonError('BAD_CONFIG', `The agent "${a.agent}" is not defined in baton.yaml.`);
    }
    const loaded = await loadTaskFile(a.root, `${a.slug}.md`);
    if (!loaded.ok) {
      throw new BatonError(
        'BAD_TASK',
        `The task file became unusable: ${loaded.error.map((p) => p.message).join('; ')}`,
      );
    }
    return { task: loaded.value, driver: createDriver(agentConfig), config };
  }

  async #loseClaim(why: string): Promise<void> {
    // Another host may start the task once the lease lapses: the agent stops as `baton stop`
    // stops it, the worktree is kept, and this worker does not compete again.
    this.#claimLost = why;
    await writeControl(this.#tp.inboxDir, 'stop', `claim lost: ${why}`, this.#a.runId);
    await this.#look();
  }

  async #stopSelf(): Promise<void> {
    // A signal to the worker itself (a person, or a service manager) is a stop: interrupt the
    // agent, record it, and release the lock in order rather than die holding it.
    this.#terminating = true;
    await writeControl(this.#tp.inboxDir, 'stop', 'the worker received a termination signal', this.#a.runId);
    await this.#look();
  }

  /** Looks at the inbox now: the chain's scan while it runs, the setup's look for a stop before. */
  async #look(): Promise<void> {
    if (this.#chain !== null) return this.#chain.scanInbox();
    await this.#setup?.lookForStop().catch(() => undefined);
  }

  /** The worktree's setup, which a stop for this run ends; null when it was stopped. */
  async #setUp(task: Task, config: Config): Promise<PortBlock | null> {
    const guard = new SetupGuard(this.#tp.inboxDir, this.#a.runId, config.interruptGraceSeconds * 1000);
    this.#setup = guard;
    try {
      // A stop may have arrived before the setup began (or between its signal and now).
      await guard.lookForStop();
      if (guard.stopReason !== null) return null;
      const ports = await prepareWorktree({
        a: this.#a,
        task,
        config,
        rec: this.#rec,
        tp: this.#tp,
        onStart: (pgid) => {
          guard.started(pgid);
          crashPoint('worker.after-setup-spawn'); // the command has recorded, or will record, itself
        },
        onEnd: () => guard.ended(),
        stopReason: () => guard.stopReason,
      });
      return guard.stopReason === null ? ports : null;
    } finally {
      guard.dispose();
      this.#setup = null;
    }
  }

  /** The end of a run whose setup a stop ended: `interrupted`, as a stopped agent leaves it. */
  async #endStopped(): Promise<ChainEnd> {
    await this.#rec.status({
      state: 'interrupted',
      error: this.#claimLost !== null ? `claim lost: ${this.#claimLost}` : null,
      pid: null,
      agentPid: null,
      pendingFollowups: (await listFollowups(this.#tp.inboxDir)).length,
    });
    return { last: null, stopped: true, stalled: false };
  }

  async #refresh(): Promise<void> {
    try {
      this.#lock = await refreshLock(this.#a.lockPath, this.#lock);
    } catch {
      // Someone replaced our lock (by hand): stop acting as the holder.
      this.#lost = true;
    }
  }

  async #setAgent(agent: ProcessIdentity | null): Promise<void> {
    try {
      this.#lock = await refreshLock(this.#a.lockPath, this.#lock, { agent });
    } catch {
      this.#lost = true;
    }
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
