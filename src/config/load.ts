/** Loading `<repoRoot>/baton.yaml`: the I/O shell around `parseConfig`, and the only reader of env vars. */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { BatonError, formatProblem } from '../domain/errors.js';
import { isPlainJson } from '../domain/json.js';
import { codeFingerprint } from '../store/code-fingerprint.js';
import { cacheEntry, cachedConfig, readConfigCache, recordingEnv, writeConfigCache } from './cache.js';
import type { ParsedConfig } from './parse.js';
import type { Config } from './types.js';

/** The config file's name, at the repository root. */
export const CONFIG_FILE = 'baton.yaml';

/**
 * Reads and validates `<repoRoot>/baton.yaml` (defaults when it does not exist) with `env`
 * overriding it. Throws a `BAD_CONFIG` BatonError listing every error, one per line. Warnings
 * (unknown keys) go to `onWarning`, by default to stderr, so a typo never passes silently.
 */
export async function loadConfig(
  repoRoot: string,
  env: Record<string, string | undefined> = process.env,
  onWarning: (warning: string) => void = (w) => process.stderr.write(`baton: warning: ${w}\n`),
): Promise<Config> {
  const text = await readConfigText(path.join(repoRoot, CONFIG_FILE));
  const { config, warnings, errors } = await parseRemembered(text, repoRoot, env);
  for (const w of warnings) onWarning(w);
  if (errors.length > 0) {
    const fromEnv = errors.some((e) => e.file !== CONFIG_FILE);
    throw new BatonError('BAD_CONFIG', errors.map(formatProblem).join('\n'), {
      hint: fromEnv
        ? 'Fix the value in baton.yaml or the environment variable named above (or unset it).'
        : 'Fix the value in baton.yaml; `baton init` on a scratch repository shows every key with its default.',
    });
  }
  return config;
}

/**
 * `parseConfig`, answered from the config cache (cache.ts) when its inputs and code are the ones
 * remembered; a good parse is remembered for next time. The parser (and the YAML parser under
 * it) is loaded only on a miss.
 */
async function parseRemembered(
  text: string | null,
  repoRoot: string,
  env: Record<string, string | undefined>,
): Promise<ParsedConfig> {
  // git's directory of the main worktree; where it is not a folder, nothing is remembered.
  const file = path.join(repoRoot, '.git', 'baton-config.cache.json');
  const code = codeFingerprint(
    import.meta.url,
    [
      './parse',
      './agents',
      './hooks',
      './notify',
      '../domain/notify',
      './defaults',
      '../domain/yaml',
      '../domain/yaml-errors',
      '../domain/suggest',
      '../domain/errors',
    ],
    ['yaml', 'fastest-levenshtein'],
  );
  const hit = cachedConfig(readConfigCache(file), code, text, repoRoot, env);
  if (hit !== null) return { ...hit, errors: [] };
  const { parseConfig } = await import('./parse.js');
  const recording = recordingEnv(env);
  const parsed = parseConfig(text, CONFIG_FILE, recording.env, repoRoot);
  const read = recording.read();
  if (parsed.errors.length === 0 && read !== null && isPlainJson(parsed.config)) {
    writeConfigCache(
      file,
      cacheEntry(code, { text, root: repoRoot, env: read }, parsed.config, parsed.warnings),
    );
  }
  return parsed;
}

async function readConfigText(file: string): Promise<string | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new BatonError('BAD_CONFIG', `${CONFIG_FILE} could not be read: ${(e as Error).message}.`, {
      hint: 'Check that the file is readable, or remove it to use the defaults.',
    });
  }
  try {
    // Fatal decoding: silently replacing bad bytes could change a value.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new BatonError('BAD_CONFIG', `${CONFIG_FILE} is not valid UTF-8 text.`, {
      hint: 'Save baton.yaml as UTF-8.',
    });
  }
}
