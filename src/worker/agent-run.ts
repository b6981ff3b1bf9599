/**
 * One agent run: spawn the agent in its own process group with cwd = realpath(worktree), stream
 * its output to the log and through the driver's parser, and report the outcome. Knows nothing
 * of status or history: it reports events to its caller, which records them.
 */
import { createWriteStream, realpathSync, type WriteStream } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
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
  env: Record<string, string>;
  logFile: string;
  /** What to do with stdin (the driver's plan for this run). */
  stdin: StdinPlan;
  driver: AgentDriver;
}

/** Starts the agent. Never throws: a spawn failure is a failed outcome. */
export function startAgentRun(spec: AgentRunSpec, listener: AgentRunListener): AgentRun {
  const [file, ...args] = spec.argv;
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const parser = spec.driver.createParser();
  let cwd: string;
  try {
    cwd = realpathSync(spec.worktree);
  } catch {
    cwd = spec.worktree;
  }
  // Node's spawn rather than execa: the run must resolve when the agent exits even if a grandchild
  // still holds its stdout, and the process group is ours to signal.
  const child: ChildProcess = spawn(file ?? '', args, {
    cwd,
    env: spec.env,
    detached: true,
    stdio: [spec.stdin.kind === 'ignore' ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
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
  const stdoutDone = pumpLines(child.stdout, log, feed('stdout'), listener);
  const stderrDone = pumpLines(child.stderr, log, feed('stderr'), listener);

  const done = (async (): Promise<RunOutcome> => {
    const exit = await exited;
    if (pid !== null) {
      // Whatever the agent left behind in its group goes with it: nothing keeps running unseen.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await withTimeout(Promise.all([stdoutDone, stderrDone]), 2000);
    closeInput();
    await closeStream(log);
    if ('spawnError' in exit) {
      const code = (exit.spawnError as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT' ? 'was not found' : `could not be started (${code ?? exit.spawnError.message})`;
      return {
        ok: false,
        error: `the agent command ${JSON.stringify(file)} ${reason}`,
        sessionNotFound: false,
        sessionId: null,
        exitCode: null,
        signal: null,
      };
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

function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    void p.then(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

function closeStream(s: WriteStream): Promise<void> {
  return new Promise((resolve) => s.end(() => resolve()));
}
