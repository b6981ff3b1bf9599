/** Loading `<repoRoot>/baton.yaml`: the I/O shell around `parseConfig`, and the only reader of env vars. */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { BatonError, formatProblem } from '../domain/errors.js';
import { parseConfig } from './parse.js';
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
  const { config, warnings, errors } = parseConfig(text, CONFIG_FILE, env, repoRoot);
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
