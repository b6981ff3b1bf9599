/**
 * The worker's first step in a worktree, before any agent run: its port block, then its setup
 * (copy and commands, once per worktree: worktree/setup.ts). A failed setup is recorded
 * (`setup_failed`) and thrown as SETUP_FAILED, which the worker turns into a `failed` task
 * without starting the agent; the next worker (`baton continue`) runs the setup again.
 *
 * Each command records its own start, with its pid (its process group), from its own process
 * before it runs (`setup_command_started`, through proc/trampoline.ts), so that a command
 * outliving a worker killed at any instant is found and ended (setup-orphans.ts); the worker's
 * first act here is to end such a command an earlier run left. A stop while the setup runs
 * ends the running command (`setup_ended`) and the worker ends `interrupted`.
 */
import path from 'node:path';
import type { Config } from '../config/types.js';
import { BatonError } from '../domain/errors.js';
import type { PortBlock } from '../domain/ports.js';
import { applySetupOverrides, type WorktreeSetup } from '../domain/setup.js';
import type { Task } from '../domain/types.js';
import { withoutRepoVars } from '../git/env.js';
import type { TaskPaths } from '../store/paths.js';
import { ensurePortBlock } from '../worktree/ports.js';
import { runSetup, setupDone } from '../worktree/setup.js';
import { endOrphanedSetups } from './setup-orphans.js';
import type { Assignment } from '../domain/assignment.js';
import type { Recorder } from './recorder.js';

/** The task's setup, teardown and ports: its front matter laid over baton.yaml's. */
export function worktreeSetupOf(config: Config, task: Task | null): WorktreeSetup {
  const base = { setup: config.setup, teardown: config.teardown, ports: config.ports };
  return task === null ? base : applySetupOverrides(base, task.worktreeSetup);
}

/** The variables that give a command its port block. */
export function portVars(ports: PortBlock): Record<string, string> {
  return { BATON_PORT: String(ports.base), BATON_PORT_COUNT: String(ports.count) };
}

/** The environment of a setup or teardown command: the task's BATON_* variables and its ports. */
export function setupEnv(
  vars: { slug: string; runId: string | null; worktree: string; root: string },
  ports: PortBlock | null,
): Record<string, string> {
  const env = withoutRepoVars(process.env);
  Object.assign(env, {
    BATON_SLUG: vars.slug,
    BATON_WORKTREE: vars.worktree,
    BATON_ROOT: vars.root,
    ...(ports ? portVars(ports) : {}),
  });
  if (vars.runId !== null) env.BATON_RUN_ID = vars.runId;
  return env;
}

/**
 * Gives the worktree its port block (recorded in status) and sets it up when it was not yet.
 * Resolves to the block, or to null when a stop ended the setup (`stopReason` said why); throws
 * SETUP_FAILED (after recording why) when the setup failed.
 */
export async function prepareWorktree(opts: {
  a: Assignment;
  task: Task;
  config: Config;
  rec: Recorder;
  tp: TaskPaths;
  /** Told each command's process group as it starts (so a stop can end it). */
  onStart?(pgid: number): void;
  /** Told when that command has ended. */
  onEnd?(): void;
  /** Why the setup is being stopped; null while it is not. */
  stopReason?(): string | null;
}): Promise<PortBlock | null> {
  const { a, rec, tp } = opts;
  const ws = worktreeSetupOf(opts.config, opts.task);
  const gitDir = path.dirname(a.lockPath);
  const commonDir = path.dirname(path.dirname(gitDir));
  const ports = await ensurePortBlock(gitDir, commonDir, ws.ports);
  void rec.status({ ports });
  const nothing = ws.setup.copy.length === 0 && ws.setup.run.length === 0;
  if (nothing || (await setupDone(gitDir, a.worktree))) return ports;
  const log = path.relative(a.root, tp.logFile);
  // The setup never finished, so an earlier run's command may still run here: it goes first.
  await endOrphanedSetups(tp.historyFile, `run ${a.runId}`, {
    graceMs: opts.config.interruptGraceSeconds * 1000,
    ownRunId: a.runId,
  });
  await rec.event('setup_started', { copy: ws.setup.copy.length, commands: ws.setup.run.length, ports });
  const started = Date.now();
  let running: number | null = null;
  const end = await runSetup(
    {
      root: a.root,
      worktree: a.worktree,
      gitDir,
      logFile: tp.logFile,
      env: setupEnv({ slug: a.slug, runId: a.runId, worktree: a.worktree, root: a.root }, ports),
      // Each command records its own start (setup_command_started), from its own process.
      recordStart: { historyFile: tp.historyFile, runId: a.runId },
      onStart: (pid) => {
        running = pid;
        opts.onStart?.(pid);
      },
      onEnd: () => opts.onEnd?.(),
    },
    ws.setup,
    a.runId,
  );
  if (end.ok) {
    await rec.event('setup_done', { commands: end.commands, ms: Date.now() - started });
    return ports;
  }
  const f = end.failure;
  const stopped = opts.stopReason?.() ?? null;
  if (stopped !== null) {
    const pid = running as number | null;
    await rec.event('setup_ended', {
      ...(pid === null ? {} : { pid }),
      command: f.command,
      signal: f.signal,
      orphaned: false,
      error: `${stopped}: the setup command \`${f.command}\` was ended`,
    });
    return null;
  }
  await rec.event('setup_failed', {
    command: f.command,
    exitCode: f.exitCode,
    signal: f.signal,
    timedOut: f.timedOut,
    log,
  });
  throw new BatonError('SETUP_FAILED', `${f.said}; its output is in ${log}`, {
    hint: `Fix the command (setup.run in baton.yaml or the task's front matter), then \`baton continue ${a.slug}\` runs the setup again.`,
  });
}
