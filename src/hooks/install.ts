/**
 * Installing and removing the shims without clobbering: a hook that was there is renamed to
 * `<name>.baton-chained` and keeps running behind baton's check; uninstall renames it back, byte
 * for byte. Installing twice changes nothing. Task worktrees get their own folder (task-hooks.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';

import { findRepo, type RepoInfo } from '../git/repo.js';
import { disableWorktreeConfig, unsetWorktreeHooksPath, worktreeHooksPath } from '../git/worktree-config.js';
import { resolveHooksDir, shownPath, type HooksDir } from './hooks-dir.js';
import { refreshLayoutCache, removeLayoutCache } from './layout-cache.js';
import { HOOK_NAMES, isHookName, type HookName } from './rules.js';
import { CHAINED_SUFFIX, currentTarget, fileIsShim, isShim, renderShims, type ShimTarget } from './shim.js';
import {
  configStamp,
  pointTaskWorktree,
  readHooksState,
  taskHooksDir,
  taskWorktrees,
  writeHooksState,
  writeTaskHooks,
  type HooksState,
} from './task-hooks.js';

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
  /** `<name>.legacy` is a baton shim: pre-commit's migration mode runs it from its own hook. */
  legacyShim: boolean;
}

/** Reads what is at each hook's place in `dir`. */
export async function readHookFiles(dir: string): Promise<HookFile[]> {
  return Promise.all(HOOK_NAMES.map((name) => readHookFile(dir, name)));
}

async function readHookFile(dir: string, name: HookName): Promise<HookFile> {
  const file = path.join(dir, name);
  const chained = await exists(`${file}${CHAINED_SUFFIX}`);
  const legacyShim = await fileIsShim(`${file}.legacy`);
  const st = await fs.lstat(file).catch(() => null);
  if (st === null)
    return { name, path: file, state: 'absent', text: null, executable: false, chained, legacyShim };
  const executable = (st.mode & 0o111) !== 0;
  // A symlink or anything but a plain file is someone else's, even if it points at a shim.
  const text = st.isFile() ? await fs.readFile(file, 'utf8').catch(() => null) : null;
  const state = text !== null && isShim(text) ? 'shim' : 'foreign';
  return { name, path: file, state, text: state === 'shim' ? text : null, executable, chained, legacyShim };
}

/** Installs the shims for the repository at (or around) `root`; returns what it did, one line each. */
export async function installHooks(root: string, target: ShimTarget = currentTarget()): Promise<string[]> {
  const info = await findRepo(root);
  const hooks = await resolveHooksDir(info);
  await fs.mkdir(hooks.dir, { recursive: true });
  await refreshLayoutCache(info.commonDir, info.root, process.env);
  const done: string[] = [];
  const state = await readHooksState(info.commonDir);
  // core.hooksPath moved since (husky installed after baton): the old folder's shims run no more.
  if (state !== null && state.mainDir !== hooks.dir)
    done.push(...(await removeShimsFrom(info, state.mainDir)));
  const cleaned = await removeStrayShims(hooks.dir);
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
  const taskChanged = await writeTaskHooks(info.commonDir, hooks.dir, target);
  await writeHooksState(info.commonDir, {
    mainDir: hooks.dir,
    configStamp: await configStamp(info.commonDir),
    enabledWorktreeConfig: state?.enabledWorktreeConfig ?? false,
  });
  let pointed = 0;
  for (const wt of await taskWorktrees(info)) if (await pointTaskWorktree(info, wt)) pointed++;
  const where = shownPath(info.root, hooks.dir);
  if (added.length > 0) done.push(`installed git hooks ${added.join(', ')} in ${where}${scopeNote(hooks)}`);
  if (updated.length > 0)
    done.push(`updated git hooks ${updated.join(', ')} in ${where} (to this baton and version)`);
  if (cleaned.length > 0) done.push(`removed baton's hooks left under other names: ${cleaned.join(', ')}`);
  if (taskChanged || pointed > 0)
    done.push(
      `task worktrees run baton's hooks from ${shownPath(info.root, taskHooksDir(info.commonDir))}, chaining ${where}${pointed > 0 ? ` (${pointed} worktree(s) pointed there)` : ''}`,
    );
  if (done.length === 0) return [];
  return [...done, ...kept];
}

/**
 * Moves a foreign hook aside to `<name>.baton-chained`, where the shim runs it. A chained hook
 * already there is the one the manager has since replaced: an identical one is simply replaced,
 * a different one is kept as `<name>.old` (what lefthook would have named it).
 */
async function chain(f: HookFile): Promise<string> {
  const chainedPath = `${f.path}${CHAINED_SUFFIX}`;
  let note = '';
  if (f.chained && !(await sameBytes(chainedPath, f.path)) && !(await fileIsShim(chainedPath))) {
    const aside = await freeName(`${f.path}.old`);
    await fs.rename(chainedPath, aside);
    note = ` (the one chained before is kept as ${path.basename(aside)})`;
  }
  await fs.rename(f.path, chainedPath);
  return `kept the existing ${f.name} hook: it now runs as ${path.basename(chainedPath)}, after baton's check${note}`;
}

/**
 * Removes every baton file: the shims (putting back the hooks they chained) in the hooks folder,
 * in git's default one and in any folder baton installed in before; shims that managers renamed
 * (`*.old`, `*.legacy`); the task worktrees' folder and their per-worktree config. Returns what
 * it did, one line each.
 */
export async function uninstallHooks(root: string): Promise<string[]> {
  const info = await findRepo(root);
  const hooks = await resolveHooksDir(info);
  const state = await readHooksState(info.commonDir);
  const dirs = new Set([hooks.dir, path.join(info.commonDir, 'hooks')]);
  if (state !== null) dirs.add(state.mainDir);
  const done: string[] = [];
  for (const dir of dirs) done.push(...(await removeShimsFrom(info, dir)));
  done.push(...(await unpointTaskWorktrees(info, state)));
  await removeLayoutCache(info.commonDir);
  return done.length > 0 ? done : ['no baton hooks installed: nothing to do'];
}

/** Takes baton's shims out of `dir`, restoring what they chained. */
async function removeShimsFrom(info: RepoInfo, dir: string): Promise<string[]> {
  const done: string[] = [];
  for (const f of await readHookFiles(dir)) {
    const chainedPath = `${f.path}${CHAINED_SUFFIX}`;
    const where = shownPath(info.root, f.path);
    if (f.state === 'foreign') {
      if (!f.chained) continue;
      // The manager rewrote its hook over baton's: the chained copy is an older one of its own.
      if (await sameBytes(chainedPath, f.path)) await fs.rm(chainedPath, { force: true });
      else await fs.rename(chainedPath, await freeName(`${f.path}.old`));
      done.push(`removed baton's chained copy of ${where} (the hook there is not baton's any more)`);
      continue;
    }
    if (f.chained) {
      await fs.rename(chainedPath, f.path);
      done.push(`restored ${where} (the hook that was there before baton)`);
    } else if (f.state === 'shim') {
      await fs.rm(f.path, { force: true });
      done.push(`removed baton's ${f.name} hook from ${shownPath(info.root, dir)}`);
    }
  }
  const stray = await removeStrayShims(dir);
  if (stray.length > 0) done.push(`removed baton's hooks left under other names: ${stray.join(', ')}`);
  return done;
}

/**
 * Removes baton shims a manager renamed (lefthook's `<hook>.old`, pre-commit's `<hook>.legacy`)
 * or that a chain left (`*.baton-chained*`): each would run baton's check again, or come back
 * when the manager is uninstalled. Returns their names.
 */
async function removeStrayShims(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (isHookName(name) || !HOOK_NAMES.some((h) => name.startsWith(`${h}.`))) continue;
    const file = path.join(dir, name);
    if (!(await fileIsShim(file))) continue;
    await fs.rm(file, { force: true });
    out.push(name);
  }
  return out;
}

/** Unsets the per-worktree hooksPath baton set, the extension baton enabled, and its folder. */
async function unpointTaskWorktrees(info: RepoInfo, state: HooksState | null): Promise<string[]> {
  const dir = taskHooksDir(info.commonDir);
  const done: string[] = [];
  let n = 0;
  for (const wt of await taskWorktrees(info)) {
    if ((await worktreeHooksPath(wt.gitDir)) !== dir) continue;
    await unsetWorktreeHooksPath(wt.path, wt.gitDir);
    n++;
  }
  if (n > 0) done.push(`removed core.hooksPath from the per-worktree config of ${n} task worktree(s)`);
  if (state?.enabledWorktreeConfig && !(await anyWorktreeConfig(info.commonDir))) {
    await disableWorktreeConfig(info.root);
    done.push('turned extensions.worktreeConfig off again (baton had turned it on)');
  }
  if (await exists(dir)) {
    await fs.rm(dir, { recursive: true, force: true });
    done.push(`removed ${shownPath(info.root, dir)} (the task worktrees' hooks)`);
  }
  return done;
}

/** True when some worktree still has a config.worktree (someone else's per-worktree settings). */
async function anyWorktreeConfig(commonDir: string): Promise<boolean> {
  if (await exists(path.join(commonDir, 'config.worktree'))) return true;
  const base = path.join(commonDir, 'worktrees');
  for (const id of await fs.readdir(base).catch(() => [] as string[]))
    if (await exists(path.join(base, id, 'config.worktree'))) return true;
  return false;
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([fs.readFile(a).catch(() => null), fs.readFile(b).catch(() => null)]);
  return x !== null && y !== null && x.equals(y);
}

function scopeNote(h: HooksDir): string {
  if (h.scope === null || h.scope === 'local' || h.scope === 'worktree') return '';
  return ` (core.hooksPath from ${h.scope} config: other repositories use it too; there the hooks do nothing)`;
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
