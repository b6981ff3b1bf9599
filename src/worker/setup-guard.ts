/**
 * The worker's hold on its worktree's setup while it runs (setup-step.ts): which command's
 * process group runs now, and whether a stop for this run arrived. Before the chain exists, a
 * `stop` in the inbox is looked for here: it ends the running command (SIGTERM to its group,
 * SIGKILL after interruptGraceSeconds, as an agent is ended) and no agent starts.
 */
import { killGroup } from '../proc/group-run.js';
import { kindOfId, listInbox, readItem, removeItem } from '../store/inbox.js';

/** One setup's commands and the stop that may end them. */
export class SetupGuard {
  readonly #inboxDir: string;
  readonly #runId: string;
  readonly #graceMs: number;
  /** The process group of the command running now, if one is. */
  #group: number | null = null;
  #stop: string | null = null;
  /** The SIGKILL that follows the SIGTERM after the grace. */
  #kill: NodeJS.Timeout | null = null;

  constructor(inboxDir: string, runId: string, graceMs: number) {
    this.#inboxDir = inboxDir;
    this.#runId = runId;
    this.#graceMs = graceMs;
  }

  /** Why the setup is being stopped; null while it is not. */
  get stopReason(): string | null {
    return this.#stop;
  }

  /** A command started in group `pgid`: a stop found between two commands ends it at once. */
  started(pgid: number): void {
    this.#group = pgid;
    if (this.#stop !== null) this.#endCommand();
  }

  /** The running command ended; what it left in its group is its own, unless it was stopped. */
  ended(): void {
    // The leader may have died of SIGTERM while a child that ignores it lives on.
    if (this.#stop !== null && this.#group !== null) killGroup(this.#group, 'SIGKILL');
    this.#group = null;
    this.#clearKill();
  }

  /** Takes a stop for this run out of the inbox, if one is there, and ends the running command. */
  async lookForStop(): Promise<void> {
    if (this.#stop !== null) return;
    for (const id of await listInbox(this.#inboxDir)) {
      if (kindOfId(id) !== 'stop') continue; // a stall is about an agent: it waits for the chain
      const item = await readItem(this.#inboxDir, id);
      if (item === null) continue;
      await removeItem(this.#inboxDir, id);
      if (item.runId !== null && item.runId !== this.#runId) continue; // meant for an ended run
      this.#stop = item.body === '' ? 'stopped' : item.body;
      this.#endCommand();
      return;
    }
  }

  /** The setup is over: no signal may follow. */
  dispose(): void {
    this.#group = null;
    this.#clearKill();
  }

  #endCommand(): void {
    const pgid = this.#group;
    if (pgid === null) return;
    killGroup(pgid, 'SIGTERM');
    this.#clearKill();
    this.#kill = setTimeout(() => killGroup(pgid, 'SIGKILL'), this.#graceMs);
  }

  #clearKill(): void {
    if (this.#kill !== null) clearTimeout(this.#kill);
    this.#kill = null;
  }
}
