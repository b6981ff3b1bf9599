/**
 * Self-healing: on every dispatch and every heartbeat, a cheap look (a stat of git's config and
 * the head of each shim; no process) tells whether baton's shims are still where git looks. A
 * hook manager re-run after baton replaces (husky, simple-git-hooks), renames (lefthook's
 * `*.old`, pre-commit's `*.legacy`) or deletes them (simple-git-hooks), and until then commits
 * from outside a live task's worker go through. When one is gone, baton re-installs (chaining the
 * manager's new hook), records it in `tasks/logs/hooks.jsonl` and says so once; with
 * `hooks.autoRepair: false` it only warns, once per new damage.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { RepoInfo } from '../git/repo.js';
import { appendLine } from '../store/history.js';
import { resolveHooksDir } from './hooks-dir.js';
import { installHooks } from './install.js';
import { repairSaid } from './repairs.js';
import { HOOK_NAMES } from './rules.js';
import { fileIsShim } from './shim.js';
import { newTamper } from './tamper.js';
import {
  configStamp,
  forwardedNames,
  pointTaskWorktree,
  readHooksState,
  taskHooksDir,
  type LinkedWorktree,
} from './task-hooks.js';

/** What the cheap look found: each damaged hook file, or the hooks folder having moved. */
export async function quickHookDamage(info: RepoInfo): Promise<string[]> {
  const state = await readHooksState(info.commonDir);
  // Not installed (never, or uninstalled on purpose): nothing to keep in place.
  if (state === null) return [];
  const damage: string[] = [];
  let mainDir = state.mainDir;
  if ((await configStamp(info.commonDir)) !== state.configStamp) {
    // git's config changed (rare): only now is git asked where the hooks folder is.
    mainDir = (await resolveHooksDir(info)).dir;
    if (mainDir !== state.mainDir) damage.push(`core.hooksPath moved to ${mainDir}`);
  }
  const taskDir = taskHooksDir(info.commonDir);
  for (const dir of [mainDir, taskDir]) {
    for (const name of HOOK_NAMES) {
      const file = path.join(dir, name);
      if (!(await fileIsShim(file))) damage.push(`${file} is not baton's`);
    }
  }
  // A manager that added a hook (lefthook after a config change): task worktrees forward it too.
  const [want, have] = await Promise.all([forwardedNames(mainDir), forwardedNames(taskDir)]);
  if (want.join() !== have.join()) damage.push(`${taskDir} does not forward the hooks ${mainDir} has`);
  return damage;
}

/** What a check did, for the watch log and heartbeat problems: [] when all was in place. */
export interface HealResult {
  /** One line each, said once per damage. */
  said: string[];
  repaired: boolean;
}

/**
 * Checks baton's hooks cheaply and repairs them (or, with autoRepair false, warns) when a manager
 * took them out. `logsDir` receives hooks.jsonl. Never throws: a failed check or repair is
 * reported as a line, and the next heartbeat tries again.
 */
export async function healHooks(
  info: RepoInfo,
  opts: { autoRepair: boolean; logsDir: string; by: string },
  now: Date = new Date(),
): Promise<HealResult> {
  const result = await repair(info, opts, now);
  // The heartbeat also says, once, when a live task's worktree was changed from outside.
  if (opts.by === 'heartbeat') {
    const seen = path.join(opts.logsDir, '.hooks-tamper-seen');
    result.said.push(...(await newTamper(opts.logsDir, seen).catch(() => [])));
  }
  return result;
}

async function repair(
  info: RepoInfo,
  opts: { autoRepair: boolean; logsDir: string; by: string },
  now: Date,
): Promise<HealResult> {
  try {
    const damage = await quickHookDamage(info);
    if (damage.length === 0) return { said: [], repaired: false };
    const record = (type: string): Record<string, unknown> => ({
      ts: now.toISOString(),
      type,
      by: opts.by,
      damage,
    });
    if (!opts.autoRepair) {
      const key = damage.join('\n');
      const seen = path.join(taskHooksDir(info.commonDir), '.warned');
      if ((await fs.readFile(seen, 'utf8').catch(() => '')) === key) return { said: [], repaired: false };
      await fs.writeFile(seen, key);
      await log(opts.logsDir, record('hooks_damaged'));
      return {
        said: [
          `baton's git hooks were taken out (${damage.join('; ')}); hooks.autoRepair is false, so run \`baton hooks install\`.`,
        ],
        repaired: false,
      };
    }
    const done = await installHooks(info.root);
    await log(opts.logsDir, { ...record('hooks_repaired'), done });
    return {
      said: [repairSaid(damage, done)],
      repaired: true,
    };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    await log(opts.logsDir, { ts: now.toISOString(), type: 'hooks_unchecked', by: opts.by, error }).catch(
      () => undefined,
    );
    return { said: [`baton's git hooks could not be checked: ${error}`], repaired: false };
  }
}

async function log(logsDir: string, record: Record<string, unknown>): Promise<void> {
  await fs.mkdir(logsDir, { recursive: true });
  await appendLine(path.join(logsDir, 'hooks.jsonl'), JSON.stringify(record));
}

/**
 * What dispatch calls once the task's worktree is made or reused: the hooks are healed, then the
 * worktree is pointed at the task hooks folder. Returns what the heal said.
 */
export async function hooksForDispatch(
  repo: { info: RepoInfo; config: { hooks: { autoRepair: boolean } }; paths: { logsDir: string } },
  worktree: string,
): Promise<string[]> {
  const healed = await healHooks(repo.info, {
    autoRepair: repo.config.hooks.autoRepair,
    logsDir: repo.paths.logsDir,
    by: 'dispatch',
  });
  try {
    const wt: LinkedWorktree = { path: worktree, gitDir: await gitDirOfWorktree(worktree) };
    await pointTaskWorktree(repo.info, wt);
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    healed.said.push(`the task worktree could not be given baton's hooks: ${error}`);
    const record = { ts: new Date().toISOString(), type: 'hooks_unchecked', by: 'dispatch', worktree, error };
    await log(repo.paths.logsDir, record).catch(() => undefined);
  }
  return healed.said;
}

async function gitDirOfWorktree(worktree: string): Promise<string> {
  const text = await fs.readFile(path.join(worktree, '.git'), 'utf8');
  const m = /^gitdir: (.+)$/m.exec(text);
  if (!m?.[1]) throw new Error(`${worktree} is not a linked worktree`);
  return path.resolve(worktree, m[1].trim());
}
