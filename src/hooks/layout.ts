/**
 * The two settings a hook needs (branchPrefix, worktreesDir), read fast. Loading the YAML parser
 * and the agents' config costs a hook more than the rest of its work together, so the usual
 * baton.yaml (plain `key: value` lines) is read line by line; anything less plain falls back to
 * the real parser, so the answer is always the one `loadConfig` would give.
 */
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { DEFAULT_WORKTREES_DIR, DEFAULTS } from '../config/defaults.js';
import type { TaskLayout } from './rules.js';

const KEYS = ['branchPrefix', 'worktreesDir'] as const;
type Key = (typeof KEYS)[number];

/**
 * The raw values of the two keys in baton.yaml's text (null: not set), or 'unsure' when the text
 * is not plain enough to read without a YAML parser (quoting with escapes, anchors, flow style,
 * keys mentioned anywhere but at the start of a line, continuation lines, duplicates...).
 * Pure.
 */
export function quickLayout(text: string | null): Record<Key, string | null> | 'unsure' {
  const found: Record<Key, string | null> = { branchPrefix: null, worktreesDir: null };
  if (text === null) return found;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const seen = new Set<Key>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const m = /^(branchPrefix|worktreesDir):(?:[ \t]+(.*))?$/.exec(line);
    if (m === null) {
      if (/^\s*#/.test(line)) continue;
      if (KEYS.some((k) => line.includes(k)) || /^(---|\.\.\.|%)/.test(line)) return 'unsure';
      continue;
    }
    const key = m[1] as Key;
    if (seen.has(key)) return 'unsure';
    seen.add(key);
    const next = lines[i + 1] ?? '';
    if (/^\s+\S/.test(next) && !/^\s*#/.test(next)) return 'unsure';
    const value = plainValue(m[2] ?? '');
    if (value === undefined) return 'unsure';
    found[key] = value;
  }
  return found;
}

/** A scalar without a YAML parser: null when empty, undefined when not plain enough. */
function plainValue(raw: string): string | null | undefined {
  const v = raw.replace(/(^|\s)#.*$/, '').trim();
  if (v === '') return null;
  const single = /^'([^']*)'$/.exec(v);
  if (single) return single[1];
  const double = /^"([^"\\]*)"$/.exec(v);
  if (double) return double[1];
  return /^[\w./~<>@+=-][\w./~<>@+= -]*$/.test(v) ? v : undefined;
}

/**
 * The layout baton.yaml's `text` gives the repository at `root`, as `loadConfig` would resolve
 * it, or 'unsure' when only the YAML parser can tell. Pure.
 */
export function layoutFromText(
  text: string | null,
  root: string,
  env: Record<string, string | undefined>,
): TaskLayout | 'unsure' {
  const quick = quickLayout(text);
  if (quick === 'unsure') return quick;
  return {
    branchPrefix: quick.branchPrefix ?? DEFAULTS.branchPrefix,
    worktreesDir: resolveWorktreesDir(quick.worktreesDir ?? DEFAULT_WORKTREES_DIR, root, env),
  };
}

/**
 * The task layout of the repository at `root` (real path), with worktreesDir resolved like
 * `loadConfig` does and then through realpath, so that it compares with git's real paths.
 */
export async function readLayout(root: string, env: Record<string, string | undefined>): Promise<TaskLayout> {
  let text: string | null;
  try {
    text = await readFile(path.join(root, 'baton.yaml'), 'utf8');
  } catch {
    text = null;
  }
  let layout = layoutFromText(text, root, env);
  if (layout === 'unsure') {
    const { parseConfig } = await import('../config/parse.js');
    const { config } = parseConfig(text, 'baton.yaml', env, root);
    layout = { branchPrefix: config.branchPrefix, worktreesDir: config.worktreesDir };
  }
  return { ...layout, worktreesDir: realOrResolved(layout.worktreesDir) };
}

/** As config/parse.ts resolves worktreesDir (a unit test holds the two together). */
function resolveWorktreesDir(dir: string, root: string, env: Record<string, string | undefined>): string {
  let d = dir.replaceAll('<repo-name>', path.basename(root));
  const home = env['HOME'];
  if (home && (d === '~' || d.startsWith('~/'))) d = path.join(home, d.slice(1));
  return path.resolve(root, d);
}

/** realpath when the path exists; otherwise its parent's realpath joined with its name. */
export function realOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    const parent = path.dirname(p);
    return parent === p ? p : path.join(realOrResolved(parent), path.basename(p));
  }
}
