/**
 * The states of a chain (chain.ts) and their transitions, with no I/O: each transition checks
 * the current state and says what the chain is to do to its agent; the chain does it.
 */

/**
 * ```
 *            agent started             interrupt item
 *  ┌──────┐ ──────────────► ┌─────────┐ ──────────────► ┌──────────────┐
 *  │ idle │                 │ running │                 │ interrupting │
 *  └──┬───┘ ◄────────────── └────┬────┘                 └──────┬───────┘
 *     │ ▲     agent exited       │                             │
 *     │ ╰────────────────────────│─────── agent exited ────────┤
 *     │                          │                             │
 *     │           STOP           │ STOP                   STOP │
 *     ├─────────────────────┐    │    ┌────────────────────────╯
 *     │                     ▼    ▼    ▼
 *     │                  ┌──────────────────┐  stall item   ┌──────────┐
 *     │                  │     stopping     ├──────────────►│ stalling │
 *     │                  └────────┬─────────┘               └────┬─────┘
 *     │ no step, or lost          │ no agent, no step            │ no agent, no step
 *     ▼                           ▼                              ▼
 *  ┌──────┐                  ┌─────────┐                    ┌─────────┐
 *  │ done │                  │ stopped │                    │ stalled │
 *  └──────┘                  └─────────┘                    └─────────┘
 * ```
 * STOP is a stop item (to `stopping`) or a stall item (to `stalling`: its arrows are drawn
 * only to `stopping`); from `running`, the stall watch seeing no progress is one too.
 *
 * `idle`: no agent runs (between runs, or one is being prepared). `running`: an agent runs.
 * `interrupting`: an interrupt follow-up is signalling the agent; the chain goes on after it.
 * `stopping`/`stalling`: a stop or stall was asked; the agent, if any, is signalled (one that
 * starts in these states is signalled at once) and the chain ends when none runs. A stall
 * outranks a stop. `done`, `stopped`, `stalled` are final: a stop that arrives then is for a
 * chain that has ended and changes nothing.
 */
export type ChainState =
  'idle' | 'running' | 'interrupting' | 'stopping' | 'stalling' | 'done' | 'stopped' | 'stalled';

/** The final states: how a chain ended. */
export type ChainOutcome = Extract<ChainState, 'done' | 'stopped' | 'stalled'>;

function unknownState(state: never): Error {
  return new Error(`unknown chain state ${String(state)}`);
}

function unexpectedState(state: ChainState, event: string): Error {
  return new Error(`chain: ${event} in state ${state}`);
}

/** One chain's state; see {@link ChainState} for the diagram. */
export class ChainLifecycle {
  #state: ChainState = 'idle';

  /** The current state. */
  get state(): ChainState {
    return this.#state;
  }

  /** A stop or stall for this chain: it ends once no agent runs. */
  askStop(kind: 'stop' | 'stall'): void {
    switch (this.#state) {
      case 'idle':
      case 'running':
      case 'interrupting':
      case 'stopping':
        this.#state = kind === 'stall' ? 'stalling' : 'stopping';
        return;
      case 'stalling':
        return; // a stall outranks a stop
      case 'done':
      case 'stopped':
      case 'stalled':
        return; // the chain has ended
      default:
        throw unknownState(this.#state);
    }
  }

  /** Why an agent that runs now is to be signalled to end: a stop or stall asked; else null. */
  stopReason(): 'stop' | 'stall' | null {
    switch (this.#state) {
      case 'stopping':
        return 'stop';
      case 'stalling':
        return 'stall';
      case 'idle':
      case 'running':
      case 'interrupting':
      case 'done':
      case 'stopped':
      case 'stalled':
        return null;
      default:
        throw unknownState(this.#state);
    }
  }

  /**
   * An interrupt follow-up: `signal` the running agent, `join` the signals already under way,
   * or `none` (no agent: the follow-up simply runs next).
   */
  interrupt(): 'signal' | 'join' | 'none' {
    switch (this.#state) {
      case 'running':
        this.#state = 'interrupting';
        return 'signal';
      case 'interrupting':
      case 'stopping':
      case 'stalling':
        return 'join';
      case 'idle':
      case 'done':
      case 'stopped':
      case 'stalled':
        return 'none';
      default:
        throw unknownState(this.#state);
    }
  }

  /** The stall watch saw no progress: true when a running agent is now to be ended as stalled. */
  noProgress(): boolean {
    switch (this.#state) {
      case 'running':
        this.#state = 'stalling';
        return true;
      case 'idle':
      case 'interrupting':
      case 'stopping':
      case 'stalling':
      case 'done':
      case 'stopped':
      case 'stalled':
        return false; // being signalled already, or no agent
      default:
        throw unknownState(this.#state);
    }
  }

  /** True when a steer may go into the agent: it runs and nothing is signalling it. */
  canSteer(): boolean {
    return this.#state === 'running';
  }

  /** True when the chain may start its next step. */
  canStep(): boolean {
    return this.#state === 'idle';
  }

  /** The agent of the current step started; true when a stop asked meanwhile must end it now. */
  agentStarted(): boolean {
    switch (this.#state) {
      case 'idle':
        this.#state = 'running';
        return false;
      case 'stopping':
      case 'stalling':
        return true;
      case 'running':
      case 'interrupting':
      case 'done':
      case 'stopped':
      case 'stalled':
        throw unexpectedState(this.#state, 'agent started');
      default:
        throw unknownState(this.#state);
    }
  }

  /** The current agent exited. */
  agentExited(): void {
    switch (this.#state) {
      case 'running':
      case 'interrupting':
        this.#state = 'idle';
        return;
      case 'stopping':
      case 'stalling':
        return;
      case 'idle':
      case 'done':
      case 'stopped':
      case 'stalled':
        throw unexpectedState(this.#state, 'agent exited');
      default:
        throw unknownState(this.#state);
    }
  }

  /** No more steps: the chain takes its final state, which is returned. */
  end(): ChainOutcome {
    switch (this.#state) {
      case 'idle':
        return (this.#state = 'done');
      case 'stopping':
        return (this.#state = 'stopped');
      case 'stalling':
        return (this.#state = 'stalled');
      case 'running':
      case 'interrupting':
      case 'done':
      case 'stopped':
      case 'stalled':
        throw unexpectedState(this.#state, 'end');
      default:
        throw unknownState(this.#state);
    }
  }
}
