/**
 * `teardown.run` for `baton remove`: the task's teardown commands, run in its worktree before it
 * goes, with the worktree's port block and BATON_* variables, output in the task's log. A failure
 * stops a plain remove (the worktree stays, so the teardown can be fixed and run again) and is a
 * warning to a forced one, which goes on.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BatonError } from '../domain/errors.js';
import { gitDirOf } from '../git/repo.js';
import { appendHistory } from '../store/history.js';
import { taskPaths } from '../store/paths.js';
import { loadTaskFile } from '../store/taskfiles.js';
import { setupEnv, worktreeSetupOf } from '../worker/setup-step.js';
import { readPortBlock } from '../worktree/ports.js';
import { runTeardown } from '../worktree/setup.js';
import type { Repo } from './repo.js';

/** What the teardown did: null when there was nothing to run; else its warning when it failed under --force. */
export interface TornDown {
  commands: number;
  /** One sentence when a command failed and the remove went on (forced). */
  warning: string | null;
}

/** Runs the task's teardown in `worktree`; throws SETUP_FAILED when it fails and `force` is off. */
export async function tearDown(
  repo: Repo,
  slug: string,
  worktree: string,
  opts: { force: boolean; runId: string | null },
): Promise<TornDown | null> {
  const tp = taskPaths(repo.paths, slug);
  const loaded = existsSync(tp.taskFile) ? await loadTaskFile(repo.info.root, `${slug}.md`) : null;
  const { teardown } = worktreeSetupOf(repo.config, loaded?.ok ? loaded.value : null);
  if (teardown.run.length === 0) return null;
  const gitDir = await gitDirOf(worktree);
  const ports = await readPortBlock(gitDir);
  const log = path.relative(repo.info.root, tp.logFile);
  const end = await runTeardown(
    {
      root: repo.info.root,
      worktree,
      gitDir,
      logFile: tp.logFile,
      env: setupEnv({ slug, runId: opts.runId, worktree, root: repo.info.root }, ports),
    },
    teardown.run,
    teardown.timeoutSeconds,
  );
  if (end.ok) {
    await appendHistory(tp.historyFile, 'teardown_done', opts.runId, { commands: end.commands });
    return { commands: end.commands, warning: null };
  }
  const f = end.failure;
  await appendHistory(tp.historyFile, 'teardown_failed', opts.runId, {
    command: f.command,
    exitCode: f.exitCode,
    signal: f.signal,
    timedOut: f.timedOut,
    log,
    force: opts.force,
  });
  if (opts.force)
    return {
      commands: teardown.run.length,
      warning: `${f.said} (output in ${log}); removed anyway, as forced`,
    };
  throw new BatonError(
    'SETUP_FAILED',
    `${f.said}, so the worktree of ${slug} was kept; its output is in ${log}.`,
    {
      hint: `Fix teardown.run (baton.yaml or the task's front matter) and run \`baton remove ${slug}\` again, or \`baton remove ${slug} --force\` to remove it anyway.`,
    },
  );
}
