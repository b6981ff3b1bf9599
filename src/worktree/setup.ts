/**
 * A task worktree's setup (`setup.copy`, then `setup.run`) and teardown (`teardown.run`), with
 * their output in the task's log. Setup runs once per worktree: a marker in the worktree's git
 * dir (`baton-setup.json`) names the worktree it was made for (its `.git` file's inode), so a
 * worktree removed and made again is set up again, and a failed setup, which writes no marker,
 * is run again by the next worker (`baton continue`).
 */
import { closeSync, openSync, promises as fs } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { commandArgv, commandWords, type SetupCommand, type SetupConfig } from '../domain/setup.js';
import { findExecutable } from '../proc/executable.js';
import { runInGroup, type GroupRan } from '../proc/group-run.js';
import { recordUpToPid, trampolineArgs } from '../proc/trampoline.js';
import { copyIntoWorktree } from './copy.js';

const MARKER = 'baton-setup.json';

/** Where a setup or teardown runs and what it is given. */
export interface SetupPlace {
  /** The main worktree (copies come from there). */
  root: string;
  worktree: string;
  /** The worktree's git dir (`<common dir>/worktrees/<name>`). */
  gitDir: string;
  logFile: string;
  /** The commands' whole environment. */
  env: Record<string, string>;
  /** Told each command's process group as it starts. */
  onStart?(pgid: number): void;
  /** Told when that command has ended (what it left running in its group is its own). */
  onEnd?(): void;
  /**
   * Where each setup command records its own start (`setup_command_started`, with its pid, which
   * is its group), before it runs: the record is there even if the worker dies the instant after
   * the spawn, so a command that outlives its worker is always named (worker/setup-orphans.ts).
   */
  recordStart?: { historyFile: string; runId: string };
}

/** A command that did not succeed. */
export interface CommandFailure {
  /** The command as a person reads it. */
  command: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** One sentence: what failed and how (without where the log is). */
  said: string;
}

/** How a setup or teardown ended. */
export type CommandsEnd = { ok: true; commands: number } | { ok: false; failure: CommandFailure };

/** True when this worktree (not an earlier one at the same path) was set up already. */
export async function setupDone(gitDir: string, worktree: string): Promise<boolean> {
  try {
    const marker = JSON.parse(await fs.readFile(path.join(gitDir, MARKER), 'utf8')) as {
      worktreeId?: string;
    };
    return marker.worktreeId === (await worktreeId(worktree));
  } catch {
    return false;
  }
}

/** Copies `setup.copy` and runs `setup.run` in order, stopping at the first failure; marks the worktree set up on success. */
export async function runSetup(place: SetupPlace, setup: SetupConfig, runId: string): Promise<CommandsEnd> {
  await fs.appendFile(place.logFile, `\n=== baton setup ${runId} · ${new Date().toISOString()} ===\n`);
  if (setup.copy.length > 0) {
    const copied = await copyIntoWorktree(place.root, place.worktree, setup.copy);
    const lines = [
      ...copied.copied.map((p) => `setup.copy: ${p}`),
      ...copied.skipped.map((s) => `setup.copy: skipped ${s}`),
    ];
    if (lines.length > 0) await fs.appendFile(place.logFile, lines.join('\n') + '\n');
  }
  const end = await runCommands('setup', setup.run, place, setup.timeoutSeconds);
  if (end.ok) {
    await writeFileAtomic(
      path.join(place.gitDir, MARKER),
      JSON.stringify({ worktreeId: await worktreeId(place.worktree), runId, at: new Date().toISOString() }) +
        '\n',
    );
  }
  return end;
}

/** Runs `teardown.run` in order in the worktree, stopping at the first failure. */
export async function runTeardown(
  place: SetupPlace,
  commands: readonly SetupCommand[],
  timeoutSeconds: number,
): Promise<CommandsEnd> {
  if (commands.length === 0) return { ok: true, commands: 0 };
  await fs.appendFile(place.logFile, `\n=== baton teardown · ${new Date().toISOString()} ===\n`);
  return runCommands('teardown', commands, place, timeoutSeconds);
}

async function runCommands(
  what: 'setup' | 'teardown',
  commands: readonly SetupCommand[],
  place: SetupPlace,
  timeoutSeconds: number,
): Promise<CommandsEnd> {
  for (const [i, cmd] of commands.entries()) {
    const words = commandWords(cmd);
    await fs.appendFile(place.logFile, `$ ${words}\n`);
    const start = startOf(what === 'setup' ? place.recordStart : undefined, cmd, i + 1, place);
    // The command writes the log itself, through its own descriptor: nothing of its output waits on us.
    const fd = openSync(place.logFile, 'a');
    let ran: GroupRan;
    try {
      ran =
        'startError' in start
          ? start
          : await runInGroup(start.file, start.args, {
              cwd: place.worktree,
              env: place.env,
              outputFd: fd,
              timeoutMs: timeoutSeconds * 1000,
              ...(place.onStart ? { onStart: place.onStart } : {}),
            });
    } finally {
      closeSync(fd);
      place.onEnd?.();
    }
    if (ran.exitCode === 0 && !ran.timedOut) continue;
    const said = ran.startError
      ? `${what} command \`${words}\` could not start: ${ran.startError}`
      : ran.timedOut
        ? `${what} command \`${words}\` ran longer than ${timeoutSeconds} s and was killed with its process group`
        : ran.signal !== null
          ? `${what} command \`${words}\` was killed by ${ran.signal}`
          : `${what} command \`${words}\` exited with code ${ran.exitCode ?? '?'}`;
    await fs.appendFile(place.logFile, `${what} failed: ${said}\n`);
    return {
      ok: false,
      failure: { command: words, exitCode: ran.exitCode, signal: ran.signal, timedOut: ran.timedOut, said },
    };
  }
  return { ok: true, commands: commands.length };
}

/**
 * How to start command `n`: as it is, or, when its start is to be recorded, through the
 * recording trampoline (proc/trampoline.ts), with the program found first as the spawn would
 * find it, so that a missing one is still "not found" rather than the shell's exit 127.
 */
function startOf(
  record: SetupPlace['recordStart'],
  cmd: SetupCommand,
  n: number,
  place: SetupPlace,
): { file: string; args: readonly string[] } | GroupRan {
  const [file, args] = commandArgv(cmd);
  if (record === undefined) return { file, args };
  const found = findExecutable(file, place.env.PATH ?? '', place.worktree);
  if (!found.ok) {
    const startError =
      found.reason === 'not-executable' ? `${file} is not executable` : `${file} was not found`;
    return { exitCode: null, signal: null, timedOut: false, startError, pgid: null };
  }
  const prefix = recordUpToPid({
    ts: new Date().toISOString(),
    type: 'setup_command_started',
    runId: record.runId,
    n,
    command: commandWords(cmd),
  });
  return {
    file: '/bin/sh',
    args: trampolineArgs('baton-setup', prefix, record.historyFile, found.path, args),
  };
}

/** What tells this worktree from an earlier one at the same path: its `.git` file, new with each `git worktree add`. */
async function worktreeId(worktree: string): Promise<string> {
  const st = await fs.stat(path.join(worktree, '.git'));
  return `${st.dev}:${st.ino}:${st.birthtimeMs}`;
}
