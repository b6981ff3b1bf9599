/**
 * Cluster mode, the worker's side (docs/design.md, "Several hosts"): the worker holds its task's
 * claim on the remote for as long as it holds the local lock. It renews the lease (a swap from
 * the value it last set) every third of a lease, and calls `onLost` once — its agent is then
 * stopped as `baton stop` stops it — when a renewal is refused because another host took the
 * claim over, or when the remote stayed unreachable until a quarter lease before the lease ends
 * (domain/cluster.ts `stopBy`): a taker waits for the end plus the skew margin, so the agent is
 * stopped before anyone may start it elsewhere.
 */
import { keeperStep, renewEveryMs, type ClaimRecord } from '../domain/cluster.js';
import { BatonError } from '../domain/errors.js';
import {
  claimRef,
  leaseTimes,
  releaseClaim,
  remoteClaim,
  renewClaim,
  winClaim,
  type ClusterCtx,
} from '../launch/claim.js';
import { readClaim, type HeldClaim } from '../store/claim.js';
import { appendHistory } from '../store/history.js';
import { taskPaths } from '../store/paths.js';

/** Keeps one worker run's claim. */
export class ClaimKeeper {
  readonly #ctx: ClusterCtx;
  readonly #slug: string;
  readonly #runId: string;
  readonly #onLost: (why: string) => void;
  #held: HeldClaim | null = null;
  #timer: NodeJS.Timeout | null = null;
  #busy = false;
  #lastOk = 0;
  #failing = false;
  #lostWhy: string | null = null;

  constructor(ctx: ClusterCtx, slug: string, runId: string, onLost: (why: string) => void) {
    this.#ctx = ctx;
    this.#slug = slug;
    this.#runId = runId;
    this.#onLost = onLost;
  }

  /** Why the claim was lost, or null while it is held. */
  get lost(): string | null {
    return this.#lostWhy;
  }

  /**
   * Takes the claim over from the dispatcher (the first renewal names this run), or wins it
   * afresh when this worker competes again for its inbox. Throws CLAIM_HELD when another host
   * has it: nothing runs unclaimed.
   */
  async start(): Promise<void> {
    const mine = await readClaim(this.#ctx.paths, this.#slug);
    if (mine !== null && mine.record.host === this.#ctx.host && !mine.record.released) {
      this.#held = mine;
      if (!(await this.#renew()) && this.#lostWhy !== null)
        throw new BatonError(
          'CLAIM_HELD',
          `The claim of ${this.#slug} was lost before the agent started: ${this.#lostWhy}.`,
        );
    } else {
      this.#held = await winClaim(this.#ctx, this.#slug, 'person', this.#runId);
      this.#lastOk = Date.now();
    }
    const t = leaseTimes(this.#ctx.cluster);
    // Ticks come often (an eighth of a lease) so the stop is on time even while a push hangs;
    // a renewal is tried every third of a lease, or at every tick after a failed one.
    this.#timer = setInterval(() => void this.#tick(), Math.max(100, Math.floor(t.leaseMs / 8)));
  }

  /** Stops renewing and lets the claim go (a released record), unless it was lost. */
  async release(): Promise<void> {
    this.#stopTimer();
    while (this.#busy) await new Promise((r) => setTimeout(r, 20));
    if (this.#lostWhy !== null || this.#held === null) return;
    await releaseClaim(this.#ctx, this.#held, this.#runId).catch(() => undefined);
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  async #tick(): Promise<void> {
    const held = this.#held;
    if (held === null || this.#lostWhy !== null) return;
    const t = leaseTimes(this.#ctx.cluster);
    const now = Date.now();
    if ((this.#failing || this.#busy) && keeperStep(held.record, now, t) === 'stop') {
      await this.#lose(
        held.record,
        `the remote ${this.#ctx.cluster.remote} was unreachable and the lease (until ${new Date(held.record.expiresAt).toISOString()}) would lapse`,
      );
      return;
    }
    if (this.#busy || (!this.#failing && now - this.#lastOk < renewEveryMs(t))) return;
    this.#busy = true;
    try {
      await this.#renew();
    } finally {
      this.#busy = false;
    }
  }

  /** One renewal; true when it went through. On a refusal, adopts this host's own newer claim or loses. */
  async #renew(adopted = false): Promise<boolean> {
    const held = this.#held;
    if (held === null) return false;
    const { r, held: next } = await renewClaim(this.#ctx, held, this.#runId).catch((err: unknown) => ({
      r: { ok: false as const, why: 'unreachable' as const, said: String(err) },
      held,
    }));
    if (r.ok) {
      this.#held = next;
      this.#lastOk = Date.now();
      this.#failing = false;
      return true;
    }
    if (r.why === 'unreachable') {
      this.#failing = true;
      return false;
    }
    // Refused: someone changed the ref. Another dispatch on this host (the local lock chose this
    // worker) is adopted; anything else is a takeover.
    const now = await remoteClaim(this.#ctx, this.#slug).catch(() => null);
    if (!adopted && now !== null && now.record.host === this.#ctx.host && !now.record.released) {
      this.#held = { ...held, sha: now.sha, record: now.record };
      return this.#renew(true);
    }
    const by =
      now === null ? 'nobody (the ref is gone)' : `host ${now.record.host} (epoch ${now.record.epoch})`;
    await this.#lose(held.record, `taken over by ${by}; git: ${r.said}`);
    return false;
  }

  async #lose(record: ClaimRecord, why: string): Promise<void> {
    if (this.#lostWhy !== null) return;
    this.#lostWhy = why;
    this.#stopTimer();
    await appendHistory(taskPaths(this.#ctx.paths, this.#slug).historyFile, 'claim_lost', this.#runId, {
      host: this.#ctx.host,
      epoch: record.epoch,
      ref: `${this.#ctx.cluster.remote} ${claimRef(this.#slug)}`,
      why,
    }).catch(() => undefined);
    this.#onLost(why);
  }
}
