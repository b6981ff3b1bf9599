/**
 * The hook shims: one template shipped as `hooks/baton-hook.sh` (POSIX sh, checked by shellcheck
 * in the tests), filled in at install time with the hook's name and the absolute paths of the
 * node and the baton that installed it: one file per hook, each differing in those few lines.
 */
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { BatonError } from '../domain/errors.js';
import { HOOK_NAMES, type HookName } from './rules.js';

/** The line every shim carries; a hook file with it is baton's. */
export const SHIM_MARKER = '# baton-hook-shim';

/** The suffix of a hook that was there before baton, which the shim runs (`pre-commit.baton-chained`). */
export const CHAINED_SUFFIX = '.baton-chained';

/** True when the first lines of `file` carry the shim marker (a read of its head, no parse). */
export async function fileIsShim(file: string): Promise<boolean> {
  let handle: fs.FileHandle | null = null;
  try {
    handle = await fs.open(file, 'r');
    const buf = Buffer.alloc(256);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return isShim(buf.subarray(0, bytesRead).toString('utf8'));
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

/** The shim template in this package (`hooks/baton-hook.sh`). */
export function templatePath(): string {
  return fileURLToPath(new URL('../../hooks/baton-hook.sh', import.meta.url));
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

/**
 * The template's lines that install fills in, each `<name>=''` on a line of its own: the hook
 * this shim is, the node and the entry it runs, and the folder whose hook it chains (empty: the
 * `<name>.baton-chained` next to it).
 */
const SLOTS = ['hook', 'baton_node', 'baton_entry', 'chain_dir'] as const;

/**
 * The shim for hook `name`, pointing at `target`; with `chainDir`, it chains that folder's hook
 * (the task worktrees' folder, see task-hooks.ts). Pure given the template text.
 */
export function fillShim(template: string, name: HookName, target: ShimTarget, chainDir = ''): string {
  const values: Record<(typeof SLOTS)[number], string> = {
    hook: name,
    baton_node: target.node,
    baton_entry: target.entry,
    chain_dir: chainDir,
  };
  const damaged = (): BatonError =>
    new BatonError('INTERNAL', `baton's hook template ${templatePath()} is not a baton shim.`, {
      hint: 'Reinstall baton: its hooks/ folder is damaged.',
    });
  if (!isShim(template)) throw damaged();
  let filled = template;
  for (const slot of SLOTS) {
    const line = new RegExp(`^${slot}=''$`, 'gm');
    // Exactly one: a template with none, or two, is not the one this code was written against.
    if ((template.match(line) ?? []).length !== 1) throw damaged();
    // A function, so a `$` in a path is not read as a replacement pattern. An empty value stays
    // `''` as shipped.
    filled = filled.replace(line, () => `${slot}=${shQuote(values[slot])}`);
  }
  return filled;
}

/** Every hook's shim, pointing at `target` (and chaining `chainDir`'s hooks), from one read of the template. */
export async function renderShims(
  target: ShimTarget = currentTarget(),
  chainDir = '',
): Promise<Record<HookName, string>> {
  let template: string;
  try {
    template = await fs.readFile(templatePath(), 'utf8');
  } catch (err) {
    throw new BatonError('INTERNAL', `baton's hook template ${templatePath()} cannot be read.`, {
      hint: 'Reinstall baton: its hooks/ folder is missing or damaged.',
      cause: err,
    });
  }
  const shims = {} as Record<HookName, string>;
  for (const name of HOOK_NAMES) shims[name] = fillShim(template, name, target, chainDir);
  return shims;
}
