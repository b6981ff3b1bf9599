/**
 * What the watcher's side polls (the PR poll, cluster mode's remote inbox) share: a timer beside
 * the watcher's queue, one poll at a time, a stop that waits for the poll in flight. A subclass
 * says what one look does and when the next one is (`look`).
 */

/** A poll on a timer beside the watcher; `look` runs one poll and returns ms until the next. */
export abstract class Poller {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;

  /** One look; resolves to how many ms until the next one. Never rejects (it logs its failures). */
  protected abstract look(): Promise<number>;

  /** Starts polling; the first look is at once. */
  start(): void {
    this.#arm(0);
  }

  /** Looks now, unless a look is in flight (which is as good). */
  protected soon(): void {
    if (this.#stopped || this.#running !== null) return;
    this.#arm(0);
  }

  /** Stops polling; resolves when a poll in flight has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  #arm(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#timer = setTimeout(() => this.#tick(), ms);
    this.#timer.unref();
  }

  #tick(): void {
    if (this.#stopped || this.#running !== null) return;
    let next = 1000;
    this.#running = this.look()
      .then((ms) => {
        next = ms;
      })
      .finally(() => {
        this.#running = null;
        this.#arm(next);
      });
  }
}
