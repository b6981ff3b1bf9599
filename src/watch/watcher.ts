/**
 * `baton watch`: the one manager loop. It reacts to file events in `tasks/` within
 * milliseconds (a dropped follow-up is ingested and its worker woken or started; a dropped task
 * that is ready is dispatched), and runs a heartbeat cycle every `heartbeatSeconds` that
 * re-reads everything (domain/cycle.ts). Events are hints: every reaction re-reads the disk and
 * is idempotent. All reactions run one at a time, so caps are never raced.
 *
 *   starting ──lock taken──▶ running ──SIGINT/SIGTERM──▶ stopping ──▶ stopped
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { classifyTaskEntry } from '../domain/files.js';
import type { StandbyPool } from '../launch/standby.js';
import { readTask, type TaskFileCache } from '../ops/board.js';
import { liveHolder, wake } from '../ops/followup.js';
import type { Repo } from '../ops/repo.js';
import { carryOut, ingestStrayDrops, runCycle, type CycleReport } from './cycle.js';
import { watchFolders, type FolderEvents } from './folder-events.js';

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
  #cycleScheduled = false;
  /** Reactions queued and not started, by what they react to (see #react). */
  readonly #waiting = new Set<string>();
  /** Parsed task files, re-parsed only when they change. */
  readonly #taskCache: TaskFileCache = new Map();

  /**
   * `standby` is a pool not yet started: the watcher starts it with itself, hands it to every
   * dispatch it makes, and disposes of it when it stops. It is passed beside the repository, not
   * inside it, because `repo` is a plain value that is copied on every config reload.
   */
  constructor(repo: Repo, log: WatchLog, standby: StandbyPool) {
    this.#repo = repo;
    this.#log = log;
    this.#standby = standby;
  }

  /** Starts watching; resolves once the file watcher is ready and the first cycle has run. */
  async start(): Promise<void> {
    this.#standby.start(); // a booted worker takes the next assignment at once
    const { tasksDir, logsDir } = this.#repo.paths;
    // Only the two folders themselves: inboxes, prompts and worktrees are not events.
    // A folder deleted and made anew is watched again by chokidar itself (folder-events.ts).
    this.#fs = watchFolders([tasksDir, logsDir], {
      onName: (dir, name) => this.#onEntry(dir, name),
      onError: (err) => this.#log(`watch error (the heartbeat covers it): ${String(err)}`),
    });
    // Listed first, then the first cycle: what lands before the listing is done, the cycle reads.
    await this.#fs.ready;
    // Tasks already waiting are arrivals nothing saw: they fill the free slots at once.
    await this.#enqueue(() => this.#cycle({ fillSlots: true }));
    this.#arm();
  }

  /** Stops watching; workers keep running. Resolves when the reaction in progress has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#fs?.close();
    await this.#queue.catch(() => undefined);
    await this.#standby.dispose();
  }

  #arm(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.#enqueue(() => this.#cycle()).finally(() => this.#arm());
    }, this.#repo.config.heartbeatSeconds * 1000);
  }

  #onEntry(dir: string, name: string | null): void {
    if (this.#stopped) return;
    if (name === null) {
      this.#scheduleCycle(); // a watched folder itself came or went: look at everything
      return;
    }
    if (dir === this.#repo.paths.logsDir) {
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
    if (this.#waiting.has(key)) return;
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
      const holder = await liveHolder(this.#repo, slug);
      if (holder) {
        wake(holder.pid);
        continue;
      }
      if (this.#running.size >= this.#repo.config.maxConcurrent) {
        this.#log(`${slug}: waiting for a free slot (maxConcurrent ${this.#repo.config.maxConcurrent})`);
        continue;
      }
      await this.#start(slug, 'start_inbox');
    }
  }

  async #onTask(name: string, slug: string): Promise<void> {
    const t = await readTask(this.#repo, name, slug, this.#taskCache);
    if (t.state === 'invalid') {
      this.#log(`${t.file} is invalid: ${t.error ?? ''}`);
      return;
    }
    const neverRan = (t.status?.runId ?? null) === null;
    if (t.state !== 'ready' || !neverRan || t.lock?.live) return;
    if (t.failure) return; // its dispatch failed for a lasting reason; status says which
    // A reaction to one dropped file is a cycle of its own that dispatches at most that task:
    // maxDispatchesPerCycle caps a heartbeat's batch; maxConcurrent caps everything.
    if (this.#running.size >= this.#repo.config.maxConcurrent) {
      this.#log(
        `${slug} is ready; it waits for a free slot (maxConcurrent ${this.#repo.config.maxConcurrent})`,
      );
      return;
    }
    await this.#start(slug, 'dispatch');
  }

  async #onStatus(slug: string): Promise<void> {
    if (!this.#running.has(slug)) return;
    const holder = await liveHolder(this.#repo, slug);
    if (holder) return;
    this.#running.delete(slug);
    this.#scheduleCycle(); // a slot is free: let the next task in now, not at the next heartbeat
  }

  async #start(slug: string, kind: 'dispatch' | 'start_inbox'): Promise<void> {
    const result = await carryOut(this.#repo, { kind, slug }, this.#standby);
    this.#log(`${slug}: ${result}`);
    if (result.startsWith('started')) this.#running.add(slug);
  }

  #scheduleCycle(): void {
    if (this.#cycleScheduled) return;
    this.#cycleScheduled = true;
    void this.#enqueue(async () => {
      this.#cycleScheduled = false;
      await this.#cycle();
    });
  }

  async #cycle(opts: { fillSlots?: boolean } = {}): Promise<CycleReport | null> {
    try {
      this.#repo = { ...this.#repo, config: await loadConfig(this.#repo.info.root) };
    } catch (err) {
      this.#log(
        `baton.yaml is invalid; keeping the last good config: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const report = await runCycle(this.#repo, {
      cache: this.#taskCache,
      standby: this.#standby,
      fillSlots: opts.fillSlots === true,
    });
    this.#running = new Set(
      report.tasks.filter((t) => t.pid !== null && t.slug !== null).map((t) => t.slug as string),
    );
    for (const d of report.decisions) this.#log(`${d.slug}: ${d.kind}: ${d.result}`);
    for (const i of report.ingested) this.#log(`${i.file}: ${i.result}`);
    for (const h of report.hooks) this.#log(`hooks: ${h}`);
    return report;
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T | undefined> {
    const next = this.#queue.then(op, op).catch((err: unknown) => {
      this.#log(`error (the next heartbeat retries): ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    });
    this.#queue = next;
    return next;
  }
}

/** False when nothing is at `p` now; true when something is, or when that cannot be told. */
function present(p: string): boolean {
  try {
    return lstatSync(p, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return true;
  }
}
