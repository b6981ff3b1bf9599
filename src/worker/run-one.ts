/**
 * Building and running one step of a chain: the prompt file, the agent's argv, environment and
 * stdin, the `prompt_sent` record (before the inbox items it delivers are removed: exactly
 * once), the log header, the agent run itself with its stall watch, and its `run_exited`. What
 * the chain's state must hear (the agent started, made no progress, exited) goes to `hooks`.
 */
import { promises as fs } from 'node:fs';
import type { RunContext, RunOutcome } from '../agents/types.js';
import { crashPoint } from '../proc/crash.js';
import { listFollowups, removeItem } from '../store/inbox.js';
import { promptFile, type TaskPaths } from '../store/paths.js';
import { agentEnv } from './agent-env.js';
import { startAgentRun, type AgentRun } from './agent-run.js';
import type { AgentDriver } from '../agents/types.js';
import type { RepoPaths } from '../store/paths.js';
import type { Assignment } from '../domain/assignment.js';
import type { Recorder } from './recorder.js';
import { runListener } from './run-listener.js';
import { watchForStall } from './stall-watch.js';
import type { Step } from './steps.js';

/** What a run needs of the chain's context (chain.ts's ChainContext extends it). */
export interface RunSetting {
  assignment: Assignment;
  driver: AgentDriver;
  rec: Recorder;
  paths: RepoPaths;
  /** Extra environment from the agent's config. */
  agentEnv: Record<string, string>;
  /** No agent event showing work and no worktree change for this long is a stall. */
  stallMs: number;
}

/** The run's numbers and the chain's side of it. */
export interface RunHooks {
  /** The run's number within the worker's run, and the task's count of runs. */
  n: number;
  runs: number;
  /** The session to resume; null: a new one. */
  sessionId: string | null;
  /** Follow-up ids some `prompt_sent` named; this run's are added once recorded. */
  sent: Set<string>;
  onSpawn(pid: number): void;
  onSession(id: string): void;
  /** The agent is started (its process may already have ended). */
  started(run: AgentRun): void;
  /** The stall watch saw no progress for `idleMs`. */
  noProgress(idleMs: number): Promise<void>;
  /** The agent exited; resolves when the chain has let go of it. */
  exited(): Promise<void>;
}

/** Delivers `step` to a new agent run and waits for the run to end. */
export async function runOne(
  ctx: RunSetting,
  tp: TaskPaths,
  step: Step,
  hooks: RunHooks,
): Promise<RunOutcome> {
  const { assignment: a, driver, rec } = ctx;
  const { n, sessionId } = hooks;
  const mode = step.resume ? 'resume' : 'new';
  const file = promptFile(ctx.paths, a.slug, a.runId, n);
  await fs.mkdir(ctx.paths.promptsDir, { recursive: true });
  await fs.writeFile(file, step.prompt);
  const runCtx: RunContext = {
    prompt: step.prompt,
    promptFile: file,
    sessionId,
    slug: a.slug,
    worktree: a.worktree,
    runId: a.runId,
  };
  const argv = driver.argv(runCtx, mode);
  const followupIds = step.items.map((i) => i.id);
  await rec.event('prompt_sent', {
    n,
    kind: step.kind,
    mode,
    sessionId,
    promptFile: file,
    ...(followupIds.length ? { followupIds, modes: step.items.map((i) => i.kind), delivery: 'queued' } : {}),
    ...(step.redelivers ? { redelivery: step.redelivers } : {}),
    prompt: step.prompt,
  });
  for (const id of followupIds) hooks.sent.add(id);
  crashPoint('worker.after-prompt-sent');
  for (const id of followupIds) await removeItem(tp.inboxDir, id);
  await fs.appendFile(
    tp.logFile,
    `\n=== baton run ${a.runId} #${n} · ${driver.name} · ${mode}${sessionId ? ` ${sessionId}` : ''} · ${new Date().toISOString()} ===\n`,
  );
  const env = agentEnv(a, { promptFile: file, historyFile: tp.historyFile, sessionId }, ctx.agentEnv);
  const stdin = driver.stdin(runCtx, mode);
  const pending = (await listFollowups(tp.inboxDir)).length;

  let lastProgress = Date.now();
  const listener = runListener({
    rec,
    n,
    runs: hooks.runs,
    argv,
    prompt: step.prompt,
    pending,
    sessionId,
    onSpawn: (pid) => hooks.onSpawn(pid),
    onSession: (id) => hooks.onSession(id),
    onProgress: (now) => (lastProgress = now),
  });
  const run = await startAgentRun(
    {
      argv,
      worktree: a.worktree,
      root: a.root,
      env,
      logFile: tp.logFile,
      stdin,
      driver,
      started: { historyFile: tp.historyFile, runId: a.runId, n },
    },
    listener,
  );
  hooks.started(run);
  const stallWatch = watchForStall({
    worktree: a.worktree,
    stallMs: ctx.stallMs,
    lastProgress: () => lastProgress,
    onProgress: (now) => {
      lastProgress = now;
      void rec.status({ lastProgressAt: new Date(now).toISOString() });
    },
    onIdle: (idleMs) => hooks.noProgress(idleMs),
  });
  const outcome = await run.done;
  crashPoint('worker.after-exit');
  stallWatch.stop();
  await hooks.exited();
  const finalSession = outcome.sessionId ?? listener.session();
  await rec.event('run_exited', {
    n,
    ok: outcome.ok,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    error: outcome.error,
    sessionId: finalSession,
  });
  // Not awaited: the status write must not delay the next queued run.
  void rec.status({
    agentPid: null,
    lastExitCode: outcome.exitCode,
    sessionId: finalSession,
    error: outcome.ok ? null : outcome.error,
    pendingFollowups: (await listFollowups(tp.inboxDir)).length,
  });
  return { ...outcome, sessionId: finalSession };
}
