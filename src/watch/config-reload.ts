/**
 * baton.yaml read again while the watcher runs (on its change event and each heartbeat): a new
 * config is taken in and what changed is said; an invalid one leaves the last good config in
 * force and is said once, with what to fix, not again every heartbeat until it changes.
 */
import { configChanges } from '../config/changes.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { BatonError } from '../domain/errors.js';

/** Reloads one repository's config, remembering what it last said about it. */
export class ConfigReloader {
  readonly #root: string;
  readonly #log: (line: string) => void;
  /** The problem last said of an invalid baton.yaml; null while it is valid. */
  #problem: string | null = null;

  constructor(root: string, log: (line: string) => void) {
    this.#root = root;
    this.#log = log;
  }

  /** The config to use from now on when it differs from `current`; null when nothing changed. */
  async reload(current: Config): Promise<Config | null> {
    let config: Config;
    try {
      config = await loadConfig(this.#root);
    } catch (err) {
      const problem = oneLine(err);
      if (problem !== this.#problem)
        this.#log(`baton.yaml is invalid; keeping the last good config until it is fixed: ${problem}`);
      this.#problem = problem;
      return null;
    }
    const changes = configChanges(current, config);
    if (this.#problem !== null && changes.length === 0)
      this.#log('baton.yaml is valid again; the config in force is unchanged');
    this.#problem = null;
    if (changes.length === 0) return null;
    this.#log(`baton.yaml reloaded: ${changes.join(', ')}`);
    return config;
  }
}

/** An error as one line: a BatonError's problems joined, then its hint. */
function oneLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const what = err.message.split('\n').join('; ');
  return err instanceof BatonError && err.hint ? `${what.replace(/\.$/, '')}. ${err.hint}` : what;
}
