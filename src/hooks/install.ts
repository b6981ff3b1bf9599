/**
 * Installing and removing the shims without clobbering: a hook that was there is renamed to
 * `<name>.baton-chained` and keeps running behind baton's check; uninstall renames it back, byte
 * for byte. Installing twice changes nothing.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

import { findRepo, type RepoInfo } from '../git/repo.js';
import { isRelativeHooksPath, resolveHooksDir, shownPath, type HooksDir } from './hooks-dir.js';
import { refreshLayoutCache, removeLayoutCache } from './layout-cache.js';
import { HOOK_NAMES, type HookName } from './rules.js';
import { CHAINED_SUFFIX, currentTarget, isShim, renderShims, type ShimTarget } from './shim.js';

/** What is at one hook's place. */
export type HookFileState = 'absent' | 'shim' | 'foreign';

/** A hook file as found. */
export interface HookFile {
  name: HookName;
  path: string;
  state: HookFileState;
  /** The shim's text, when it is one. */
  text: string | null;
  executable: boolean;
  /** A chained hook (`<name>.baton-chained`) exists next to it. */
  chained: boolean;
}

/** Reads what is at each hook's place in `dir`. */
export async function readHookFiles(dir: string): Promise<HookFile[]> {
  return Promise.all(HOOK_NAMES.map((name) => readHookFile(dir, name)));
}

async function readHookFile(dir: string, name: HookName): Promise<HookFile> {
  const file = path.join(dir, name);
  const chained = await exists(`${file}${CHAINED_SUFFIX}`);
  const st = await fs.lstat(file).catch(() => null);
  if (st === null) return { name, path: file, state: 'absent', text: null, executable: false, chained };
  const executable = (st.mode & 0o111) !== 0;
  // A symlink or anything but a plain file is someone else's, even if it points at a shim.
  const text = st.isFile() ? await fs.readFile(file, 'utf8').catch(() => null) : null;
  const state = text !== null && isShim(text) ? 'shim' : 'foreign';
  return { name, path: file, state, text: state === 'shim' ? text : null, executable, chained };
}

/** Installs the shims for the repository at (or around) `root`; returns what it did, one line each. */
export async function installHooks(root: string, target: ShimTarget = currentTarget()): Promise<string[]> {
  const info = await findRepo(root);
  const hooks = await resolveHooksDir(info);
  await fs.mkdir(hooks.dir, { recursive: true });
  await refreshLayoutCache(info.commonDir, info.root, process.env);
  const added: HookName[] = [];
  const updated: HookName[] = [];
  const kept: string[] = [];
  const shims = await renderShims(target);
  for (const f of await readHookFiles(hooks.dir)) {
    const shim = shims[f.name];
    if (f.state === 'shim' && f.text === shim && f.executable) continue;
    if (f.state === 'foreign') kept.push(await chain(f));
    await writeFileAtomic(f.path, shim, { mode: 0o755 });
    (f.state === 'shim' ? updated : added).push(f.name);
  }
  const where = shownPath(info.root, hooks.dir);
  const done: string[] = [];
  if (added.length > 0) done.push(`installed git hooks ${added.join(', ')} in ${where}${scopeNote(hooks)}`);
  if (updated.length > 0)
    done.push(`updated git hooks ${updated.join(', ')} in ${where} (to this baton and version)`);
  if (done.length === 0) return [];
  return [...done, ...kept, ...relativeNote(info, hooks)];
}

/** Moves a foreign hook aside to `<name>.baton-chained`, where the shim runs it. */
async function chain(f: HookFile): Promise<string> {
  const chainedPath = `${f.path}${CHAINED_SUFFIX}`;
  let note = '';
  if (f.chained) {
    // The hook was replaced after baton chained the first one (husky regenerating, say): keep both.
    const aside = await freeName(`${chainedPath}.old`);
    await fs.rename(chainedPath, aside);
    note = ` (the one chained before is kept as ${path.basename(aside)})`;
  }
  await fs.rename(f.path, chainedPath);
  return `kept the existing ${f.name} hook: it now runs as ${path.basename(chainedPath)}, after baton's check${note}`;
}

/** Removes the shims and puts back the hooks they chained; returns what it did, one line each. */
export async function uninstallHooks(root: string): Promise<string[]> {
  const info = await findRepo(root);
  const hooks = await resolveHooksDir(info);
  const done: string[] = [];
  for (const f of await readHookFiles(hooks.dir)) {
    const chainedPath = `${f.path}${CHAINED_SUFFIX}`;
    const where = shownPath(info.root, f.path);
    if (f.state === 'foreign') {
      if (f.chained)
        done.push(
          `left ${where} alone: it is not baton's (baton's chained hook is still at ${path.basename(chainedPath)})`,
        );
      continue;
    }
    if (f.chained) {
      await fs.rename(chainedPath, f.path);
      done.push(`restored ${where} (the hook that was there before baton)`);
    } else if (f.state === 'shim') {
      await fs.rm(f.path, { force: true });
      done.push(`removed baton's ${f.name} hook from ${shownPath(info.root, hooks.dir)}`);
    }
  }
  await removeLayoutCache(info.commonDir);
  return done.length > 0 ? done : ['no baton hooks installed: nothing to do'];
}

function scopeNote(h: HooksDir): string {
  if (h.scope === null || h.scope === 'local' || h.scope === 'worktree') return '';
  return ` (core.hooksPath from ${h.scope} config: other repositories use it too; there the hooks do nothing)`;
}

function relativeNote(info: RepoInfo, h: HooksDir): string[] {
  if (!isRelativeHooksPath(h)) return [];
  return [
    `note: core.hooksPath (${h.configured}) is relative, so each worktree uses its own copy and task worktrees may run no baton hook; make it absolute: git config core.hooksPath ${path.resolve(info.root, h.configured ?? '')}`,
  ];
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

async function freeName(base: string): Promise<string> {
  for (let i = 0; ; i++) {
    const candidate = i === 0 ? base : `${base}.${i}`;
    if (!(await exists(candidate))) return candidate;
  }
}
