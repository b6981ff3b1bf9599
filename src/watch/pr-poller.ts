/**
 * The watcher's PR poll (docs/design.md, "Pull requests"): every few seconds it looks at the PR
 * records on disk, and calls the forge only for an open PR whose `nextPollAt` has come (every
 * `pr.pollSeconds`, later after a failure), or a PR closed unmerged (ten times more slowly, for a
 * reopen): with nothing open or closed, no forge command runs at all. It
 * runs beside the watcher's queue, never in it, one poll at a time, each forge command bounded
 * by `pr.timeoutSeconds`: a slow or hung `gh` holds up no drop, start or heartbeat. Its
 * follow-ups are drops in tasks/, which the watcher's own reactions ingest.
 */
import { pollPrs } from '../ops/pr-poll.js';
import type { Repo } from '../ops/repo.js';
import { Poller } from './poller.js';

/** Runs `pollPrs` on a timer beside the watcher. */
export class PrPoller extends Poller {
  readonly #repo: () => Repo;
  readonly #log: (line: string) => void;
  /** After a rate limit, no forge command until then (the poll backs off, not the tasks). */
  #pausedUntil = 0;
  /** The status each idle task was last judged at for `pr.openOnIdle` (ops/pr-idle.ts). */
  readonly #looked = new Map<string, string>();

  /** `repo` gives the current repository (its config changes on reload); `log` says what happened. */
  constructor(repo: () => Repo, log: (line: string) => void) {
    super();
    this.#repo = repo;
    this.#log = log;
  }

  /** Looks now (a run just ended: an idle task may get its PR opened, a merge recorded). */
  kick(): void {
    this.soon();
  }

  protected async look(): Promise<number> {
    const repo = this.#repo();
    // How often the records are looked at (no forge call unless one is due): a few times a poll period.
    const every = Math.min(Math.max(repo.config.pr.pollSeconds / 4, 0.25), 10) * 1000;
    const now = Date.now();
    if (now < this.#pausedUntil) return Math.min(this.#pausedUntil - now, every);
    try {
      const r = await pollPrs(repo, new Date(now), this.#looked);
      for (const line of r.lines) this.#log(line);
      if (r.rateLimited) this.#pausedUntil = Date.now() + repo.config.pr.pollSeconds * 1000;
    } catch (err) {
      this.#log(`PR poll failed (tried again later): ${err instanceof Error ? err.message : String(err)}`);
    }
    return every;
  }
}
