/**
 * Coalescing passes of one async job (the chain's inbox scan): asked while a pass runs, it runs
 * exactly one more pass after it, however many times it was asked, and never two at once.
 */

/**
 * ```
 *            run()              run()
 *  ┌──────┐ ───────► ┌─────────┐ ────► ┌───────┐
 *  │ idle │          │ running │       │ again │ ◄── run() (no change)
 *  └──▲───┘ ◄─────── └────▲────┘       └───┬───┘
 *     │   pass done       ╰── pass done ───╯
 * ```
 */
type PassState = 'idle' | 'running' | 'again';

/** One job whose concurrent requests collapse into at most one follow-up pass. */
export class Coalesced {
  readonly #job: () => Promise<void>;
  #state: PassState = 'idle';

  constructor(job: () => Promise<void>) {
    this.#job = job;
  }

  /** Runs the job now, or (a pass running) once more after it; resolves when this caller's part is done. */
  async run(): Promise<void> {
    switch (this.#state) {
      case 'idle':
        break;
      case 'running':
        this.#state = 'again';
        return;
      case 'again':
        return;
      default:
        throw new Error(`unknown pass state ${String(this.#state satisfies never)}`);
    }
    try {
      do {
        this.#state = 'running';
        await this.#job();
      } while ((this.#state as PassState) === 'again');
    } finally {
      this.#state = 'idle';
    }
  }
}
