/**
 * How baton starts every process that is not git: through execa, which is loaded on first use
 * and never at import time. Its import costs ~100–120 ms of one core (FIELD-NOTES), so the
 * processes that must spawn quickly start it while nobody waits (`preloadExeca`): a worker
 * while it waits for its assignment, the watcher at start, a dispatcher at its start.
 *
 *   run            a command to its end, output captured; never throws, the result says what went wrong
 *   runText        the same, for callers that want stdout or an error naming the command
 *   spawnDetached  a long-lived child in its own process group that outlives its parent
 *   runBounded     a short command in its own process group, fed stdin, whose group is killed at a timeout
 *
 * A little over 300 lines: every way baton starts a process that is not git lives here, in one place.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import type * as Execa from 'execa';
import { settlesWithin } from './timeout.js';

/** Why a command did not succeed. */
export type RunFailure = 'not-found' | 'exit' | 'signal' | 'timeout' | 'other';

/** What running a command to its end gave. */
export interface Ran {
  /** The exit code; 127 when the command could not be found, 128 + n after signal n. */
  code: number;
  stdout: string;
  stderr: string;
  /** Null on exit code 0. */
  failure: RunFailure | null;
  /** One sentence for a user: what ran and how it failed ('' on success). */
  message: string;
}

/** How to run a command. */
export interface RunOptions {
  cwd?: string;
  /** The whole environment (not merged with this process's); this process's when omitted. */
  env?: Record<string, string | undefined>;
  /** Killed (SIGTERM) after this long. */
  timeoutMs?: number;
  /** Written to its stdin, which is then closed; absent: stdin is closed from the start. */
  input?: string;
}

/** One stdio entry of a detached child: as node:child_process takes it (`pipe`, `ignore`, or an open fd). */
export type StdioEntry = 'pipe' | 'ignore' | number;

/** A detached child's stdio: stdin, stdout, stderr, then any extra fds (fd 3, ...). */
export type DetachedStdio = readonly [StdioEntry, StdioEntry, StdioEntry, ...StdioEntry[]];

/**
 * A started detached child. execa's subprocess is also a promise of its result; it is held here
 * as a plain ChildProcess so that nobody awaits it by mistake (an async function returning it
 * would wait for the child's end), and its result, which never rejects, is not needed.
 */
export interface Detached {
  child: ChildProcess;
}

/** Loads execa (the module cache makes every call after the first free). */
export function loadExeca(): Promise<typeof Execa> {
  return import('execa');
}

/** Starts loading execa now, so that a later spawn does not pay for it; errors surface at use. */
export function preloadExeca(): void {
  loadExeca().catch(() => undefined);
}

/** Runs `file` with `args` to its end, stdin closed (or fed `opts.input`). Never throws: see `Ran.failure`. */
export async function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<Ran> {
  const { execa } = await loadExeca();
  const r = await execa(file, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    extendEnv: false,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    reject: false,
    stripFinalNewline: false,
    timeout: opts.timeoutMs,
    windowsHide: true,
  });
  const stdout = r.stdout;
  const stderr = r.stderr;
  const errno = (r.cause as NodeJS.ErrnoException | undefined)?.code;
  const what = [file, ...args].join(' ');
  if (!r.failed) return { code: 0, stdout, stderr, failure: null, message: '' };
  if (errno === 'ENOENT' && r.exitCode === undefined) {
    return { code: 127, stdout, stderr, failure: 'not-found', message: `${file} was not found.` };
  }
  if (r.timedOut) {
    return {
      code: 124,
      stdout,
      stderr,
      failure: 'timeout',
      message: `${what} took longer than ${opts.timeoutMs} ms.`,
    };
  }
  if (r.exitCode !== undefined) {
    const said = firstLine(stderr) || firstLine(stdout);
    const message = `${what} exited with code ${r.exitCode}${said ? `: ${said}` : ''}.`;
    return { code: r.exitCode, stdout, stderr, failure: 'exit', message };
  }
  if (r.signal !== undefined) {
    const n = signalNumber(r.signal);
    return {
      code: 128 + n,
      stdout,
      stderr,
      failure: 'signal',
      message: `${what} was killed by ${r.signal}.`,
    };
  }
  return {
    code: 1,
    stdout,
    stderr,
    failure: 'other',
    message: `${what} could not be run: ${r.shortMessage}.`,
  };
}

/** Error from `runText`: carries what the command gave. */
export class RunError extends Error {
  readonly ran: Ran;
  constructor(ran: Ran) {
    super(ran.message);
    this.name = 'RunError';
    this.ran = ran;
  }
}

/** Runs `file` to its end and gives its stdout; throws RunError when it is missing or fails. */
export async function runText(file: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(file, args, opts);
  if (r.failure !== null) throw new RunError(r);
  return r.stdout;
}

/** How to start a detached child. */
export interface DetachedOptions {
  cwd: string;
  /** The whole environment (not merged with this process's). */
  env: Record<string, string | undefined>;
  stdio: DetachedStdio;
}

/**
 * Starts `file` in a new process group (its pid is the group id, so `process.kill(-pid)` ends it
 * and what it started) that outlives this process: execa's `cleanup` would kill it when we exit,
 * and its buffering would hold its output, so both are off; a failed spawn resolves (never
 * rejects) and shows as `pid === undefined` plus an 'error' event. The caller reads its pipes.
 * Wait for the child's 'exit' event to learn when the process itself ended: execa's own result
 * comes only once its pipes have closed too, which a grandchild holding them can put off forever.
 */
export async function spawnDetached(
  file: string,
  args: readonly string[],
  opts: DetachedOptions,
): Promise<Detached> {
  const { execa } = await loadExeca();
  const child = execa(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    detached: true,
    cleanup: false,
    buffer: false,
    reject: false,
    // An open fd goes to spawn as it is (the child writes the file itself, not through us);
    // execa's types only admit fds 3–9 there.
    stdio: opts.stdio as unknown as Execa.Options['stdio'],
    windowsHide: true,
  });
  return { child };
}

/**
 * `spawnDetached` without execa, for the one path that cannot wait for execa to load: the
 * `baton worker` that `baton dispatch` starts first thing. execa's import (~100 ms on this
 * 2-core machine, bench/README.md) would sit in front of the worker's own start, which is the
 * start of dispatch → agent; the worker needs nothing execa adds (detached, its own process
 * group, stdio to files and pipes that the caller reads). Every other process goes through execa.
 */
export function spawnDetachedNow(file: string, args: readonly string[], opts: DetachedOptions): Detached {
  const child = spawn(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdio: [...opts.stdio],
    windowsHide: true,
  });
  return { child };
}

/** How to run a bounded command. */
export interface BoundedOptions {
  cwd: string;
  /** The whole environment (not merged with this process's). */
  env: Record<string, string | undefined>;
  /** Written to its stdin, which is then closed (a command that does not read it is fine). */
  input: string;
  /** Its process group gets SIGTERM after this long, then SIGKILL `graceMs` later. */
  timeoutMs: number;
  /** Default 1000. */
  graceMs?: number;
  /** Told the pid once it runs. */
  onSpawn?(pid: number): void;
}

/** Most of each output stream kept for the message. */
const BOUNDED_OUTPUT_CAP = 8 * 1024;

/**
 * Runs `file` in a new process group with `input` on stdin and waits for it, at most `timeoutMs`:
 * then its whole group (the command and whatever it started, a `sh -c` and its `curl`) is
 * killed, SIGTERM first and SIGKILL after `graceMs`. Never throws. It ends when the command
 * exits, not when its pipes close: a child that escaped the group and holds them does not keep
 * it waiting. `Ran.message` names only the program (`file`), never its arguments, which may hold
 * a secret such as a webhook URL.
 */
export async function runBounded(file: string, args: readonly string[], opts: BoundedOptions): Promise<Ran> {
  const { execa } = await loadExeca();
  const child = execa(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    detached: true,
    cleanup: false,
    buffer: false,
    reject: false,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    windowsHide: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    if (stdout.length < BOUNDED_OUTPUT_CAP) stdout += c.toString('utf8');
  });
  child.stderr?.on('data', (c: Buffer) => {
    if (stderr.length < BOUNDED_OUTPUT_CAP) stderr += c.toString('utf8');
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
    (resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    },
  );
  // A command that never reads its stdin closes the pipe: EPIPE is no failure of the command.
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(opts.input);
  const pid = child.pid;
  if (pid !== undefined) opts.onSpawn?.(pid);
  const killGroup = (signal: NodeJS.Signals): void => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup('SIGTERM');
  }, opts.timeoutMs);
  const end = await ended;
  clearTimeout(timer);
  if (timedOut) {
    // The leader may have died of the SIGTERM while others of its group ignore it.
    await new Promise((r) => setTimeout(r, Math.min(opts.graceMs ?? 1000, 200)));
    killGroup('SIGKILL');
  }
  // What it printed last is read if its pipes close soon; then they are let go of.
  const closed = new Promise((r) => child.once('close', r));
  await settlesWithin(closed, 200);
  child.stdout?.destroy();
  child.stderr?.destroy();
  child.stdin?.destroy();
  const errno = (end.error as NodeJS.ErrnoException | undefined)?.code;
  if (errno === 'ENOENT')
    return { code: 127, stdout, stderr, failure: 'not-found', message: `${file} was not found.` };
  if (end.error !== undefined)
    return {
      code: 1,
      stdout,
      stderr,
      failure: 'other',
      message: `${file} could not be run: ${end.error.message}.`,
    };
  if (timedOut) {
    const seconds = Math.round(opts.timeoutMs / 100) / 10;
    return {
      code: 124,
      stdout,
      stderr,
      failure: 'timeout',
      message: `${file} took longer than ${seconds} s and was stopped.`,
    };
  }
  if (end.code === 0) return { code: 0, stdout, stderr, failure: null, message: '' };
  if (end.code !== null) {
    const said = firstLine(stderr) || firstLine(stdout);
    return {
      code: end.code,
      stdout,
      stderr,
      failure: 'exit',
      message: `${file} exited with code ${end.code}${said ? `: ${said}` : ''}.`,
    };
  }
  const signal = end.signal ?? 'SIGKILL';
  return {
    code: 128 + signalNumber(signal),
    stdout,
    stderr,
    failure: 'signal',
    message: `${file} was killed by ${signal}.`,
  };
}

function firstLine(text: string): string {
  return (text.trim().split('\n')[0] ?? '').replace(/[.\s]+$/, '');
}

function signalNumber(signal: string): number {
  const n = (os.constants.signals as Record<string, number | undefined>)[signal];
  return n ?? 0;
}
