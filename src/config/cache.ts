/**
 * The last good config, remembered between processes (`<repo>/.git/baton-config.cache.json`):
 * `parseConfig` is a pure function of baton.yaml's text, the repository root and the environment
 * variables it reads, so while those are the same its answer is too, and a command that only
 * reads (`baton status`) need not load the YAML parser, which was a quarter of its start.
 *
 * The variables an entry depends on are the ones the parse was seen reading (`recordingEnv`), so
 * a new variable read by a later parser is covered; the parser's own code is part of the key too.
 */
import { readFileSync } from 'node:fs';
import { writeCacheFileSync } from '../store/atomic-sync.js';
import type { Config } from './types.js';

/** What a config parse depends on besides its code: the text, the root and the variables it read. */
export interface ConfigInputs {
  text: string | null;
  root: string;
  /** Each variable read, with its value then (null: unset). */
  env: Record<string, string | null>;
}

/** A remembered parse: its inputs, the code that made it, and what it gave. */
export interface ConfigCacheEntry extends ConfigInputs {
  format: number;
  code: string;
  config: Config;
  warnings: string[];
}

const FORMAT = 1;

/**
 * `env`, watched: every variable read through the returned object is noted with its value.
 * `read()` gives them, or null when the object was enumerated (then anything may matter).
 */
export function recordingEnv(env: Record<string, string | undefined>): {
  env: Record<string, string | undefined>;
  read: () => Record<string, string | null> | null;
} {
  const seen: Record<string, string | null> = Object.create(null) as Record<string, string | null>;
  let enumerated = false;
  const note = (key: string | symbol): void => {
    if (typeof key === 'string') seen[key] = Object.hasOwn(env, key) ? (env[key] ?? null) : null;
  };
  const proxy = new Proxy(env, {
    get: (target, key) => (note(key), Reflect.get(target, key)),
    has: (target, key) => (note(key), Reflect.has(target, key)),
    getOwnPropertyDescriptor: (target, key) => (note(key), Reflect.getOwnPropertyDescriptor(target, key)),
    ownKeys: (target) => ((enumerated = true), Reflect.ownKeys(target)),
  });
  return { env: proxy, read: () => (enumerated ? null : { ...seen }) };
}

/** The entry's config and warnings when it was made from these inputs by this code; otherwise null. */
export function cachedConfig(
  entry: unknown,
  code: string,
  text: string | null,
  root: string,
  env: Record<string, string | undefined>,
): { config: Config; warnings: string[] } | null {
  const e = entry as Partial<ConfigCacheEntry> | null;
  if (e === null || typeof e !== 'object' || e.format !== FORMAT || e.code !== code) return null;
  if (e.text !== text || e.root !== root || typeof e.env !== 'object' || e.env === null) return null;
  for (const [name, value] of Object.entries(e.env)) {
    const now = Object.hasOwn(env, name) ? (env[name] ?? null) : null;
    if (now !== value) return null;
  }
  if (typeof e.config !== 'object' || e.config === null || !Array.isArray(e.warnings)) return null;
  return { config: e.config, warnings: e.warnings };
}

/** The entry for a parse; pure. */
export function cacheEntry(
  code: string,
  inputs: ConfigInputs,
  config: Config,
  warnings: string[],
): ConfigCacheEntry {
  return { format: FORMAT, code, ...inputs, config, warnings };
}

/** Reads the cache file; null when there is none or it is not JSON. */
export function readConfigCache(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/** Replaces the cache file (write-file-atomic). Best effort: only speed depends on it. */
export function writeConfigCache(file: string, entry: ConfigCacheEntry): void {
  try {
    writeCacheFileSync(file, JSON.stringify(entry));
  } catch {
    // write-file-atomic removes its temp file when the write fails
  }
}
