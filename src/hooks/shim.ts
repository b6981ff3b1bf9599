/**
 * The hook shims: the templates shipped in `hooks/` (POSIX sh, one per hook), filled in at
 * install time with the absolute paths of the node and the baton that installed them.
 */
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { BatonError } from '../domain/errors.js';
import type { HookName } from './rules.js';

/** The line every shim carries; a hook file with it is baton's. */
export const SHIM_MARKER = '# baton-hook-shim';

/** The suffix of a hook that was there before baton, which the shim runs (`pre-commit.baton-chained`). */
export const CHAINED_SUFFIX = '.baton-chained';

/** The folder of shim templates in this package. */
export function templatesDir(): string {
  return fileURLToPath(new URL('../../hooks/', import.meta.url));
}

/** The lean hook entry the shims run (dist/cli/hook-main.js). */
export function hookEntryPath(): string {
  return fileURLToPath(new URL('../cli/hook-main.js', import.meta.url));
}

/** True when a hook file's text is a baton shim. */
export function isShim(text: string): boolean {
  return text.split('\n', 3).some((line) => line.startsWith(SHIM_MARKER));
}

/** `s` quoted for a POSIX shell. */
export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** What a shim embeds: the node and the entry that installed it. */
export interface ShimTarget {
  node: string;
  entry: string;
}

/** This process's node and this package's hook entry. */
export function currentTarget(): ShimTarget {
  return { node: process.execPath, entry: hookEntryPath() };
}

/** The shim for hook `name`, pointing at `target`. Pure given the template text. */
export function fillShim(template: string, name: HookName, target: ShimTarget): string {
  const filled = template
    .replace(/^baton_node=''$/m, `baton_node=${shQuote(target.node)}`)
    .replace(/^baton_entry=''$/m, `baton_entry=${shQuote(target.entry)}`);
  if (!isShim(filled) || !filled.includes(`\nhook=${name}\n`) || filled === template) {
    throw new BatonError(
      'INTERNAL',
      `The hook template for ${name} in ${templatesDir()} is not a baton shim.`,
      {
        hint: 'Reinstall baton: its hooks/ folder is damaged.',
      },
    );
  }
  return filled;
}

/** Reads the template of `name` and fills it in. */
export async function renderShim(name: HookName, target: ShimTarget = currentTarget()): Promise<string> {
  let template: string;
  try {
    template = await fs.readFile(`${templatesDir()}${name}`, 'utf8');
  } catch (err) {
    throw new BatonError('INTERNAL', `baton's hook template ${templatesDir()}${name} cannot be read.`, {
      hint: 'Reinstall baton: its hooks/ folder is missing or damaged.',
      cause: err,
    });
  }
  return fillShim(template, name, target);
}
