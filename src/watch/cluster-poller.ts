/**
 * Cluster mode, the watcher's remote inbox poll (docs/design.md, "Several hosts"): every
 * `cluster.pollSeconds` one `git ls-remote` asks whether follow-ups wait on the remote for the
 * tasks this host holds; those it takes become drops in tasks/, which the watcher's own
 * reactions ingest (ops/cluster-inbox.ts). It runs beside the watcher's queue, one poll at a
 * time, so a slow remote holds up no drop, start or heartbeat. A failure is logged when it
 * starts or changes, not at every poll.
 */
import { pollRemoteInbox } from '../ops/cluster-inbox.js';
import type { KnownRefs } from '../ops/inbox-take.js';
import type { Repo } from '../ops/repo.js';
import { Poller } from './poller.js';

/** Runs `pollRemoteInbox` on a timer beside the watcher. */
export class ClusterPoller extends Poller {
  readonly #repo: () => Repo;
  readonly #log: (line: string) => void;
  #lastFailure: string | null = null;
  /** What each inbox ref's commit is (an item or a taken record), so it is read once. */
  readonly #known: KnownRefs = new Map();

  /** `repo` gives the current repository (its config changes on reload); `log` says what happened. */
  constructor(repo: () => Repo, log: (line: string) => void) {
    super();
    this.#repo = repo;
    this.#log = log;
  }

  protected async look(): Promise<number> {
    const repo = this.#repo();
    const cluster = repo.config.cluster;
    if (cluster === null) return 5000; // off: looked at again in case baton.yaml turns it on
    try {
      const lines = await pollRemoteInbox(repo, this.#known);
      if (this.#lastFailure !== null) this.#log('remote inbox: reachable again');
      this.#lastFailure = null;
      for (const line of lines) this.#log(line);
    } catch (err) {
      const said = err instanceof Error ? err.message : String(err);
      if (said !== this.#lastFailure)
        this.#log(`remote inbox poll failed (tried again every ${cluster.pollSeconds} s): ${said}`);
      this.#lastFailure = said;
    }
    return cluster.pollSeconds * 1000;
  }
}
