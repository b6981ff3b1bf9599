/**
 * The task layout where the shims can read it without starting any process
 * (`<common dir>/baton-hooks.cache`), so that the usual commit never waits for node.
 *
 * The shim trusts the cache only while baton.yaml's deciding lines are the ones recorded in it:
 * every line that mentions branchPrefix or worktreesDir, and the line after each. The layout is
 * cached only when those lines are plain `key: value` (see quickLayout), so any edit that could
 * change it changes them. A baton.yaml without such lines (or none) means the defaults, which
 * the shim knows without a cache.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { layoutFromText, realOrResolved } from './layout.js';
import type { TaskLayout } from './rules.js';

/** The cache's file name in git's common dir. */
export const LAYOUT_CACHE = 'baton-hooks.cache';

/**
 * baton.yaml's lines that decide the layout, as the shim collects them with `read`: each line
 * mentioning either key, and the line after it, each ending in a newline. Pure.
 */
export function layoutFingerprint(text: string | null): string {
  if (text === null) return '';
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let out = '';
  let take = false;
  for (const line of lines) {
    if (line.includes('branchPrefix') || line.includes('worktreesDir')) {
      out += `${line}\n`;
      take = true;
    } else {
      if (take) out += `${line}\n`;
      take = false;
    }
  }
  return out;
}

/** The cache's text (pure); null when a value could not be read back by the shim's `read`. */
export function formatLayoutCache(layout: TaskLayout, fingerprint: string): string | null {
  if (/[\r\n]/.test(layout.branchPrefix + layout.worktreesDir)) return null;
  return [
    '# written by baton: the task layout, for the hook shims, while the baton.yaml lines below are unchanged',
    `prefix=${layout.branchPrefix}`,
    `worktrees=${layout.worktreesDir}`,
    '--',
    fingerprint,
  ].join('\n');
}

/**
 * Writes the cache for the repository at `root` when it is missing or out of date. Best effort:
 * without it the shims ask baton, which is slower and gives the same answers.
 */
export async function refreshLayoutCache(
  commonDir: string,
  root: string,
  env: Record<string, string | undefined>,
): Promise<void> {
  try {
    const text = await fs.readFile(path.join(root, 'baton.yaml'), 'utf8').catch(() => null);
    const fingerprint = layoutFingerprint(text);
    const layout = layoutFromText(text, root, env);
    if (fingerprint === '' || layout === 'unsure') return;
    const cache = formatLayoutCache(
      { ...layout, worktreesDir: realOrResolved(layout.worktreesDir) },
      fingerprint,
    );
    const file = path.join(commonDir, LAYOUT_CACHE);
    if (cache === null || (await fs.readFile(file, 'utf8').catch(() => null)) === cache) return;
    // Loaded only when the cache changes: a hook runs on every commit.
    const { default: writeFileAtomic } = await import('write-file-atomic');
    await writeFileAtomic(file, cache, { fsync: false });
  } catch {
    // Only speed depends on it.
  }
}

/** Removes the cache (on uninstall). */
export async function removeLayoutCache(commonDir: string): Promise<void> {
  await fs.rm(path.join(commonDir, LAYOUT_CACHE), { force: true });
}
