/**
 * One agent run: spawn the agent in its own process group with cwd = realpath(worktree), stream
 * its output to the log and through the driver's parser, and report the outcome.
 *
 * The agent is started through a two-line `sh` trampoline that appends an `agent_started` line
 * (with the agent's own pid) to history and then `exec`s the agent in the same process. That
 * line is written by the agent's process itself before the agent runs, so it is the ground
 * truth a recovering worker needs after a kill -9: a prompt with no `agent_started` never
 * reached an agent (send it again); one with it did (never send it again), and its pid names
 * the process to end if it outlived its worker.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, realpathSync, type WriteStream } from 'node:fs';
import { spawnDetached } from '../proc/exec.js';
import { findExecutable, programPath } from '../proc/executable.js';
import { settlesWithin } from '../proc/timeout.js';
import { recordUpToPid, trampolineArgs } from '../proc/trampoline.js';
import type { AgentDriver, AgentEvent, OutputStream, RunOutcome, StdinPlan } from '../agents/types.js';

/** What the caller hears while the agent runs. */
export interface AgentRunListener {
  onSpawn(pid: number): void;
  onEvent(event: AgentEvent): void;
  onOutput(): void;
}

/** A started agent run. */
export interface AgentRun {
  pid: number | null;
  done: Promise<RunOutcome>;
  /** Signals the agent's whole process group; false when it is already gone. */
  signal(sig: NodeJS.Signals): boolean;
  /** Writes one line to the agent's stdin (live-input agents only); false when stdin is closed. */
  write(line: string): boolean;
  /** Closes the agent's stdin. */
  closeInput(): void;
}

/** What to run. */
export interface AgentRunSpec {
  argv: string[];
  worktree: string;
  /**
   * The repository root (the main worktree): a relative program path with a slash in argv[0]
   * is resolved against it, as the dispatch's preflight check resolves it (`programPath`).
   */
  root: string;
  env: Record<string, string>;
  logFile: string;
  /** What to do with stdin (the driver's plan for this run). */
  stdin: StdinPlan;
  driver: AgentDriver;
  /** Where the agent's process records its own start, and as what run. */
  started: { historyFile: string; runId: string; n: number };
}

/** The `agent_started` history line up to its pid, which the trampoline (proc/trampoline.ts) appends. */
export function agentStartedPrefix(runId: string, n: number, now: Date = new Date()): string {
  return recordUpToPid({ ts: now.toISOString(), type: 'agent_started', runId, n });
}

/** Starts the agent. Never rejects: a spawn failure is a failed outcome. */
export async function startAgentRun(spec: AgentRunSpec, listener: AgentRunListener): Promise<AgentRun> {
  const [file, ...args] = spec.argv;
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const parser = spec.driver.createParser();
  let cwd: string;
  try {
    cwd = realpathSync(spec.worktree);
  } catch {
    cwd = spec.worktree;
  }
  const program = programPath(file ?? '', spec.root);
  const found = findExecutable(program, spec.env.PATH ?? '', cwd);
  if (!found.ok) {
    const why = notFound(found.reason);
    const what = program === file ? why : `(resolved against the repository root: ${program}) ${why}`;
    return notStarted(file ?? '', what, log);
  }
  const { historyFile, runId, n } = spec.started;
  // The run ends on the agent's 'exit', not on execa's result: that waits for the pipes to close
  // too, which a grandchild holding stdout could put off forever. The process group is ours to signal.
  const shArgs = trampolineArgs('baton-agent', agentStartedPrefix(runId, n), historyFile, found.path, args);
  let child: ChildProcess;
  try {
    ({ child } = await spawnDetached('/bin/sh', shArgs, {
      cwd,
      env: spec.env,
      stdio: [spec.stdin.kind === 'ignore' ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    }));
  } catch (err) {
    // execa itself could not be loaded: nothing was started.
    return notStarted(file ?? '', `could not be started (${(err as Error).message})`, log);
  }
  const exited = new Promise<{ code: number | null; signal: string | null } | { spawnError: Error }>(
    (resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (err) => resolve({ spawnError: err }));
    },
  );
  const pid = child.pid ?? null;
  if (pid !== null) listener.onSpawn(pid);
  // Only a `messages` plan keeps stdin open for steer messages; `text` is written and closed.
  let inputOpen = spec.stdin.kind === 'messages';

  const closeInput = (): void => {
    if (!inputOpen) return;
    inputOpen = false;
    child.stdin?.end();
  };
  const write = (line: string): boolean => {
    if (!inputOpen || !child.stdin || child.stdin.destroyed) return false;
    child.stdin.write(line.endsWith('\n') ? line : line + '\n');
    return true;
  };
  child.stdin?.on('error', () => {
    inputOpen = false;
  });
  if (spec.stdin.kind === 'messages') write(spec.stdin.first);
  else if (spec.stdin.kind === 'text') child.stdin?.end(spec.stdin.text);

  const handle = (ev: AgentEvent): void => {
    listener.onEvent(ev);
    // A live-input agent waits on stdin after its result: close it so it exits.
    if (ev.type === 'result') closeInput();
  };
  const feed = (stream: OutputStream) => (line: string) => {
    for (const ev of parser.line(line, stream)) handle(ev);
  };
  let sawOutput = false;
  const seen: AgentRunListener = {
    ...listener,
    onOutput() {
      sawOutput = true;
      listener.onOutput();
    },
  };
  const stdoutDone = pumpLines(child.stdout, log, feed('stdout'), seen);
  const stderrDone = pumpLines(child.stderr, log, feed('stderr'), seen);

  const done = (async (): Promise<RunOutcome> => {
    const exit = await exited;
    if (!('spawnError' in exit) && exit.code === 125 && exit.signal === null && !sawOutput) {
      return failed(`the agent's start could not be recorded in ${historyFile}, so it was not started`);
    }
    if (pid !== null) {
      // Whatever the agent left behind in its group goes with it: nothing keeps running unseen.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await settlesWithin(Promise.all([stdoutDone, stderrDone]), 2000);
    closeInput();
    await closeStream(log);
    if ('spawnError' in exit) {
      const code = (exit.spawnError as NodeJS.ErrnoException).code;
      return failed(
        `the agent command ${JSON.stringify(file)} could not be started (${code ?? exit.spawnError.message})`,
      );
    }
    return parser.finish(exit);
  })();

  return {
    pid,
    done,
    signal(sig) {
      if (pid === null) return false;
      try {
        process.kill(-pid, sig);
        return true;
      } catch {
        return false;
      }
    },
    write,
    closeInput,
  };
}

/** Why a command that `findExecutable` turned down cannot run, as the end of a sentence. */
function notFound(reason: string): string {
  return reason === 'directory'
    ? 'is a directory, not a program'
    : reason === 'not-executable'
      ? 'is not executable'
      : 'was not found';
}

/** A run whose command could not be found or executed: nothing was started. */
function notStarted(file: string, what: string, log: WriteStream): AgentRun {
  const done = closeStream(log).then(() => failed(`the agent command ${JSON.stringify(file)} ${what}`));
  return { pid: null, done, signal: () => false, write: () => false, closeInput: () => undefined };
}

function failed(error: string): RunOutcome {
  return { ok: false, error, sessionNotFound: false, sessionId: null, exitCode: null, signal: null };
}

function pumpLines(
  stream: NodeJS.ReadableStream | null | undefined,
  log: WriteStream,
  onLine: ((line: string) => void) | null,
  listener: AgentRunListener,
): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      log.write(chunk);
      listener.onOutput();
      if (onLine === null) return;
      pending += chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        if (line.trim() !== '') onLine(line);
      }
    });
    const finish = (): void => {
      if (onLine !== null && pending.trim() !== '') onLine(pending);
      pending = '';
      resolve();
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  });
}

function closeStream(s: WriteStream): Promise<void> {
  return new Promise((resolve) => s.end(() => resolve()));
}
