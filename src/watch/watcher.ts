/**
 * `baton watch`: the one manager loop. It reacts to file events within milliseconds (a dropped
 * follow-up is ingested and its worker woken or started; a dropped task that is ready is
 * dispatched; an edited baton.yaml is taken in and a cycle run at once), and runs a heartbeat
 * cycle every `heartbeatSeconds` that re-reads everything (domain/cycle.ts). Events are hints:
 * every reaction re-reads the disk and is idempotent.
 *
 * Reactions run one at a time through a queue, so none decides on a reading another is about to
 * change. Starting a worker is the exception: a dispatch takes seconds when making the worktree
 * does (a slow post-checkout hook, a big checkout), and drops, heartbeats and other starts must
 * not wait behind it. So a reaction in the queue decides on a start, and the start runs beside
 * the queue: until it ends, its task counts against maxConcurrent like a running worker, is not
 * started again, and is planned as running by the heartbeat; `stop` waits for it.
 *
 * Over 300 lines on purpose: the queue, the starts beside it and the reactions that decide on
 * both share one state (what runs, what is being started), which reads best in one place.
 *
 *   starting ──lock taken──▶ running ──SIGINT/SIGTERM──▶ stopping ──▶ stopped
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import type { StartDecision } from '../domain/cycle.js';
import { classifyTaskEntry } from '../domain/files.js';
import type { StandbyPool } from '../launch/standby.js';
import { readTask, type TaskFileCache } from '../ops/board.js';
import { liveHolder, wake } from '../ops/followup.js';
import type { Repo } from '../ops/repo.js';
import { ConfigReloader } from './config-reload.js';
import { carryOut } from './carry-out.js';
import { ingestStrayDrops, runCycle, type CycleReport } from './cycle.js';
import type { RadarMemory } from './radar.js';
import { watchFolders, type FolderEvents } from './folder-events.js';
import { PrPoller } from './pr-poller.js';
import { ClusterPoller } from './cluster-poller.js';

/** What the watcher tells its caller (the CLI prints it). */
export interface WatchLog {
  (line: string): void;
}

/** A running watcher. */
export class Watcher {
  #repo: Repo;
  readonly #log: WatchLog;
  /** Keeps a booted worker that takes the next assignment at once; see the constructor. */
  readonly #standby: StandbyPool;
  #queue: Promise<unknown> = Promise.resolve();
  #fs: FolderEvents | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  /** Live workers as of the last look; kept current by our own dispatches and by status events. */
  #running = new Set<string>();
  /** Workers being started beside the queue, by task (see #start). */
  readonly #starting = new Map<string, Promise<void>>();
  /**
   * Tasks whose start ended with a worker since the last cycle began: that cycle may have read
   * their locks before they were taken, so its view of what runs must not drop them.
   */
  readonly #startedLately = new Set<string>();
  /**
   * A reaction left something to a start in flight (no slot was free, or a drop came for the task
   * being started): a start that ends without a worker then runs a cycle, which looks again.
   */
  #leftToStarts = false;
  readonly #config: ConfigReloader;
  /** Lets an edit of baton.yaml settle before it is read (see #onConfigEvent). */
  #configTimer: NodeJS.Timeout | null = null;
  #cycleScheduled = false;
  /** Reactions queued and not started, by what they react to (see #react). */
  readonly #waiting = new Set<string>();
  /** Parsed task files, re-parsed only when they change. */
  readonly #taskCache: TaskFileCache = new Map();
  /** What the conflict radar learnt of this git (too old for it), kept so it is asked once. */
  readonly #radar: RadarMemory = { off: null };
  /** Polls the tasks' pull requests beside the queue (pr-poller.ts). */
  readonly #prs: PrPoller;
  readonly #inboxPoll: ClusterPoller;

  /**
   * `standby` is a pool not yet started: the watcher starts it with itself, hands it to every
   * dispatch it makes, and disposes of it when it stops. It is passed beside the repository, not
   * inside it, because `repo` is a plain value that is copied on every config reload.
   */
  constructor(repo: Repo, log: WatchLog, standby: StandbyPool) {
    this.#repo = repo;
    this.#log = log;
    this.#standby = standby;
    this.#config = new ConfigReloader(repo.info.root, log);
    this.#prs = new PrPoller(() => this.#repo, log);
    this.#inboxPoll = new ClusterPoller(() => this.#repo, log);
  }

  /** Starts watching; resolves once the file watcher is ready and the first cycle has run. */
  async start(): Promise<void> {
    this.#standby.start(); // a booted worker takes the next assignment at once
    const { tasksDir, logsDir, configFile } = this.#repo.paths;
    // Only these folders' own entries: inboxes, prompts and worktrees are not events; of the
    // repository's root, only baton.yaml is looked at. A folder deleted and made anew is watched
    // again by chokidar itself (folder-events.ts).
    this.#fs = watchFolders([tasksDir, logsDir, path.dirname(configFile)], {
      onName: (dir, name) => this.#onEntry(dir, name),
      onError: (err) => this.#log(`watch error (the heartbeat covers it): ${String(err)}`),
    });
    // Listed first, then the first cycle: what lands before the listing is done, the cycle reads.
    await this.#fs.ready;
    // Tasks already waiting are arrivals nothing saw: they fill the free slots at once.
    await this.#enqueue(() => this.#cycle({ fillSlots: true }));
    this.#arm();
    this.#prs.start();
    this.#inboxPoll.start();
  }

  /**
   * Stops watching; workers keep running. Resolves when the reactions queued and the starts in
   * flight have finished: a worker is never left half handed its task.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#configTimer) clearTimeout(this.#configTimer);
    await this.#fs?.close();
    await this.#prs.stop();
    await this.#inboxPoll.stop();
    await this.#queue.catch(() => undefined);
    await Promise.all(this.#starting.values());
    await this.#standby.dispose();
  }

  /** (Re)sets the heartbeat's timer to `heartbeatSeconds` from now. */
  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.#enqueue(() => this.#cycle()).finally(() => this.#arm());
    }, this.#repo.config.heartbeatSeconds * 1000);
  }

  #onEntry(dir: string, name: string | null): void {
    if (this.#stopped) return;
    const { configFile, logsDir } = this.#repo.paths;
    if (dir === path.dirname(configFile)) {
      if (name === path.basename(configFile)) this.#onConfigEvent();
      return;
    }
    if (name === null) {
      this.#scheduleCycle(); // a watched folder itself came or went: look at everything
      return;
    }
    if (dir === logsDir) {
      // A worker wrote its status: a finished one frees a slot for the next ready task. Its
      // history too: the worker writes its last status before it lets go of its lock, and
      // `lock_released` after, so only that line finds it gone for sure.
      const slug = /^dispatch-(.+)\.(?:status\.json|history\.jsonl)$/.exec(name)?.[1];
      if (slug) this.#react(`status:${slug}`, () => this.#onStatus(slug));
      return;
    }
    // Names of removed files come too: only what is there is a file to react to.
    if (!name.endsWith('.md') || !present(path.join(dir, name))) return;
    const entry = classifyTaskEntry(name);
    if (entry.kind === 'followup' || entry.kind === 'bad-followup')
      this.#react('drops', () => this.#onDrop());
    else if (entry.kind === 'task') this.#react(`task:${name}`, () => this.#onTask(name, entry.slug));
    else if (entry.kind === 'bad-task') {
      const line = `tasks/${name}: ${entry.reason}`;
      this.#react(`bad:${name}`, () => Promise.resolve(this.#log(line)));
    }
  }

  /**
   * Queues a reaction unless the same one is queued and not started yet: a write raises several
   * events, and the queued reaction reads the disk when it runs, so one more would add nothing.
   */
  #react(key: string, op: () => Promise<void>): void {
    if (this.#stopped || this.#waiting.has(key)) return;
    this.#waiting.add(key);
    void this.#enqueue(() => {
      this.#waiting.delete(key);
      return op();
    });
  }

  async #onDrop(): Promise<void> {
    // Every drop waiting now, in arrival order; the later events of a burst then find nothing.
    const results = await ingestStrayDrops(this.#repo);
    const slugs = new Set<string>();
    for (const r of results) {
      this.#log(`${r.file}: ${r.result}`);
      if (r.result.startsWith('accepted') && r.slug !== null) slugs.add(r.slug);
    }
    for (const slug of slugs) {
      if (this.#starting.has(slug)) {
        // The worker being started reads its inbox; if it does not start, a cycle looks again.
        this.#leftToStarts = true;
        continue;
      }
      const holder = await liveHolder(this.#repo, slug);
      if (holder) {
        wake(holder.pid);
        continue;
      }
      this.#running.delete(slug); // its worker has ended, whether or not its status event came yet
      if (this.#full()) {
        this.#log(`${slug}: waiting for a free slot (maxConcurrent ${this.#repo.config.maxConcurrent})`);
        continue;
      }
      this.#start(slug, 'start_inbox');
    }
  }

  async #onTask(name: string, slug: string): Promise<void> {
    const t = await readTask(this.#repo, name, slug, this.#taskCache);
    if (t.state === 'invalid') {
      this.#log(`${t.file} is invalid: ${t.error ?? ''}`);
      return;
    }
    const neverRan = (t.status?.runId ?? null) === null;
    if (t.task?.status === 'done' && this.#hasDependents(slug)) {
      // Its dependents may be unblocked now: judged at once, against the whole board.
      this.#react('dependencies', () => this.#dependencyCycle());
      return;
    }
    if (t.state !== 'ready' || !neverRan || t.lock?.live) return;
    if ((t.task?.after.length ?? 0) > 0) {
      // Blocked or not is judged against the whole board (ops/dependencies.ts): a cycle does that.
      this.#react('dependencies', () => this.#dependencyCycle());
      return;
    }
    if (t.failure) return; // its dispatch failed for a lasting reason; status says which
    if (this.#starting.has(slug)) return; // another event of the same file
    // A reaction to one dropped file is a cycle of its own that dispatches at most that task:
    // maxDispatchesPerCycle caps a heartbeat's batch; maxConcurrent caps everything.
    if (this.#full()) {
      this.#log(
        `${slug} is ready; it waits for a free slot (maxConcurrent ${this.#repo.config.maxConcurrent})`,
      );
      return;
    }
    this.#start(slug, 'dispatch');
  }

  /** True when a task file the watcher has read names `slug` in its `after:`. */
  #hasDependents(slug: string): boolean {
    for (const e of this.#taskCache.values())
      if (e.result.ok && e.result.task.after.includes(slug)) return true;
    return false;
  }

  /**
   * A cycle for tasks whose dependencies may have changed: like the first cycle it fills the free
   * slots, since every task it unblocks arrived now, as a dropped ready task does (each of those
   * is dispatched on its own event, outside maxDispatchesPerCycle).
   */
  async #dependencyCycle(): Promise<void> {
    await this.#cycle({ fillSlots: true });
  }

  async #onStatus(slug: string): Promise<void> {
    if (!this.#running.has(slug)) return;
    const holder = await liveHolder(this.#repo, slug);
    if (holder) return;
    this.#running.delete(slug);
    this.#scheduleCycle(); // a slot is free: let the next task in now, not at the next heartbeat
    this.#prs.kick(); // an idle task may get its PR now, a merged one its done
  }

  /** True when maxConcurrent leaves no slot for one more worker (starts in flight take one each). */
  #full(): boolean {
    const taken = new Set([...this.#running, ...this.#starting.keys()]).size;
    const full = taken >= this.#repo.config.maxConcurrent;
    if (full && this.#starting.size > 0) this.#leftToStarts = true;
    return full;
  }

  /**
   * Starts a worker for `slug` beside the queue and returns at once: called from a reaction in
   * the queue that has found a free slot. What came of it is logged when it ends.
   */
  #start(slug: string, kind: StartDecision['kind']): void {
    if (this.#starting.has(slug)) return;
    this.#starting.set(slug, this.#carryOutStart(slug, kind));
  }

  async #carryOutStart(slug: string, kind: StartDecision['kind']): Promise<void> {
    let started = false;
    try {
      const result = await carryOut(this.#repo, { kind, slug }, this.#standby);
      this.#log(`${slug}: ${kind}: ${result}`);
      started = result.startsWith('started');
    } catch (err) {
      this.#error(err); // carryOut says its failures; this is anything else
    } finally {
      this.#starting.delete(slug);
    }
    if (started) {
      this.#running.add(slug);
      this.#startedLately.add(slug);
      // Its worker may have ended already, while the status events found it not yet running.
      this.#react(`status:${slug}`, () => this.#onStatus(slug));
    } else if (this.#leftToStarts) {
      this.#leftToStarts = false;
      this.#scheduleCycle(); // its slot, or the drop left to it, is given out again now
    }
  }

  /**
   * baton.yaml changed: read once the edit has settled (a save may truncate the file, then write
   * it: read between the two, it would be the defaults), take it in, and run a cycle at once, so
   * that e.g. a raised maxConcurrent or a fixed agent lets waiting tasks start now.
   */
  #onConfigEvent(): void {
    if (this.#configTimer) clearTimeout(this.#configTimer);
    this.#configTimer = setTimeout(() => {
      this.#configTimer = null;
      this.#react('config', async () => {
        if (await this.#reloadConfig()) await this.#cycle();
      });
    }, CONFIG_SETTLE_MS);
  }

  /** Takes in baton.yaml when it changed (said by the reloader); true when it did. */
  async #reloadConfig(): Promise<boolean> {
    const config = await this.#config.reload(this.#repo.config);
    if (config === null) return false;
    const heartbeat = this.#repo.config.heartbeatSeconds;
    this.#repo = { ...this.#repo, config };
    if (config.heartbeatSeconds !== heartbeat) this.#arm();
    return true;
  }

  #scheduleCycle(): void {
    if (this.#stopped || this.#cycleScheduled) return;
    this.#cycleScheduled = true;
    void this.#enqueue(async () => {
      this.#cycleScheduled = false;
      await this.#cycle();
    });
  }

  async #cycle(opts: { fillSlots?: boolean } = {}): Promise<CycleReport | null> {
    await this.#reloadConfig(); // an edit whose event was missed
    this.#startedLately.clear();
    const radarWasOff = this.#radar.off;
    const report = await runCycle(this.#repo, {
      cache: this.#taskCache,
      standby: this.#standby,
      radar: this.#radar,
      fillSlots: opts.fillSlots === true,
      starting: new Set(this.#starting.keys()),
      startBeside: (d) => {
        this.#start(d.slug, d.kind);
        return STARTING;
      },
    });
    this.#running = new Set([
      ...report.tasks.filter((t) => t.pid !== null && t.slug !== null).map((t) => t.slug as string),
      ...this.#startedLately,
    ]);
    // A start is logged by #carryOutStart when it has ended.
    for (const d of report.decisions)
      if (d.result !== STARTING) this.#log(`${d.slug}: ${d.kind}: ${d.result}`);
    for (const i of report.ingested) this.#log(`${i.file}: ${i.result}`);
    for (const h of report.hooks) this.#log(`hooks: ${h}`);
    if (this.#radar.off !== null && radarWasOff === null) this.#log(this.#radar.off); // said once
    const found = report.radar?.newConflicts ?? 0;
    if (found > 0)
      this.#log(`conflict radar: ${found} new conflict${found === 1 ? '' : 's'}; see baton status`);
    return report;
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T | undefined> {
    const next = this.#queue.then(op, op).catch((err: unknown) => {
      this.#error(err);
      return undefined;
    });
    this.#queue = next;
    return next;
  }

  #error(err: unknown): void {
    if (vanishedUnder(err, this.#repo.paths.tasksDir)) {
      // tasks/ was deleted (or replaced) while the operation ran: not a fault of baton's.
      // No immediate retry: a path that stays missing would spin.
      const gone = (err as NodeJS.ErrnoException).path;
      this.#log(
        `tasks/ changed under the watcher (${gone} went); the folder's next event or heartbeat runs again`,
      );
      return;
    }
    this.#log(`error (the next heartbeat retries): ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The result a cycle's report gives a start running beside the queue (heartbeat.json). */
const STARTING = 'starting (its outcome is in the watch log)';

/** How long an edit of baton.yaml is let settle before it is read. */
const CONFIG_SETTLE_MS = 100;

/** True for a "no such file" error on a path inside `tasksDir`: the folder went while in use. */
function vanishedUnder(err: unknown, tasksDir: string): boolean {
  const e = err as NodeJS.ErrnoException | null;
  if (e?.code !== 'ENOENT' || typeof e.path !== 'string') return false;
  const rel = path.relative(tasksDir, e.path);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** False when nothing is at `p` now; true when something is, or when that cannot be told. */
function present(p: string): boolean {
  try {
    return lstatSync(p, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return true;
  }
}
