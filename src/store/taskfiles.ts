/**
 * Reading input files from `tasks/` without trusting them (docs/reference.md, "Files baton writes"): no symlinks are
 * followed, FIFOs and directories never block or get read, size is capped before reading, and
 * the bytes must be UTF-8.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Problem, Result } from '../domain/errors.js';
import { classifyTaskEntry, printable } from '../domain/files.js';
import type { Task } from '../domain/types.js';

/** Input files larger than this (1 MiB) are refused unread. */
export const MAX_INPUT_BYTES = 1_048_576;

/** Why an input file could not be read; lets callers tell a vanished file from a bad one. */
export type ReadFailure = 'vanished' | 'symlink' | 'not-regular' | 'too-large' | 'not-utf8' | 'unreadable';

/** A problem reading an input file, with the reason as data. */
export interface InputProblem extends Problem {
  reason: ReadFailure;
}

/** Options of `readInputFile`. */
export interface ReadInputOptions {
  /** How long to wait before reading an empty file again; default 50 ms. */
  emptyRetryMs?: number;
  /** How to wait; tests pass their own to act at that moment instead of racing a timer. */
  wait?: (ms: number) => Promise<unknown>;
}

/**
 * Reads the input file at `absPath` (shown to users as `displayPath`) as UTF-8 text without a
 * BOM. Refuses symlinks, anything but a regular file, files over 1 MiB and invalid UTF-8. A file
 * that is empty is read once more after `emptyRetryMs`, since it may still be being written; an
 * empty result after that is returned as `''` for the caller to judge.
 */
export async function readInputFile(
  absPath: string,
  displayPath: string,
  opts: ReadInputOptions = {},
): Promise<Result<string, InputProblem[]>> {
  const first = readOnce(absPath, displayPath);
  if (!first.ok || first.value.length > 0) return decode(first, displayPath);
  await (opts.wait ?? sleep)(opts.emptyRetryMs ?? 50);
  return decode(readOnce(absPath, displayPath), displayPath);
}

/**
 * Loads `tasks/<name>` under `repoRoot` as a task: the name must be a task name, the file
 * readable (see `readInputFile`) and its content a valid task. Problems name `tasks/<name>`.
 */
export async function loadTaskFile(
  repoRoot: string,
  name: string,
  opts: ReadInputOptions = {},
): Promise<Result<Task, Problem[]>> {
  const text = await readTaskText(repoRoot, name, opts);
  return text.ok ? parseTaskText(name, text.value) : text;
}

/** The text of task file `tasks/<name>`, read as `loadTaskFile` reads it, not parsed. */
export async function readTaskText(
  repoRoot: string,
  name: string,
  opts: ReadInputOptions = {},
): Promise<Result<string, Problem[]>> {
  const file = `tasks/${printable(name)}`;
  const entry = classifyTaskEntry(name);
  if (entry.kind === 'bad-task') return { ok: false, error: [{ file, message: entry.reason }] };
  if (entry.kind !== 'task') {
    return { ok: false, error: [{ file, message: `is not a task file (tasks are named <slug>.md)` }] };
  }
  // Safe to join: a valid slug has no dots or slashes, so the path stays inside tasks/.
  return readInputFile(path.join(repoRoot, 'tasks', name), file, opts);
}

/** Parses the text read from task file `tasks/<name>` (a valid task name) as `loadTaskFile` does. */
export async function parseTaskText(name: string, text: string): Promise<Result<Task, Problem[]>> {
  // Loaded on first use: the yaml parser is a third of a short command's start, and a reader
  // whose task files are all in the index (task-index.ts) never needs it.
  const { parseTask } = await import('../domain/task.js');
  return parseTask(`tasks/${printable(name)}`, name.slice(0, -'.md'.length), text);
}

/**
 * One read, synchronously: a task file is a few hundred bytes, and five fs.promises calls per
 * file (each a trip through the thread pool) cost more than the reading at thousands of tasks.
 * O_NONBLOCK keeps a FIFO from blocking, so no call here waits on anything but the disk.
 */
function readOnce(absPath: string, file: string): Result<Buffer, InputProblem[]> {
  let fd: number | undefined;
  try {
    // lstat first so a symlink is named as such; O_NOFOLLOW below closes the race where the
    // file is swapped for a symlink in between.
    const st = lstatSync(absPath);
    if (st.isSymbolicLink()) return symlinkProblem(file);
    if (!st.isFile()) return fail('not-regular', file, `is ${kindOf(st)}, not a regular file`);
    if (st.size > MAX_INPUT_BYTES) return tooLarge(file, st.size);
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = openSync(absPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const fst = fstatSync(fd);
    if (!fst.isFile()) return fail('not-regular', file, `is ${kindOf(fst)}, not a regular file`);
    if (fst.size > MAX_INPUT_BYTES) return tooLarge(file, fst.size);
    // Read until end of file or one byte past the cap, so a file that grew since fstat is caught.
    // The first buffer fits the size fstat saw (plus one byte to notice growth): task files are
    // small, and zero-filling 64 KiB per file was most of a heartbeat's allocation.
    const chunks: Buffer[] = [];
    let total = 0;
    while (total <= MAX_INPUT_BYTES) {
      const want = total === 0 ? fst.size + 1 : 64 * 1024;
      const chunk = Buffer.allocUnsafe(Math.min(want, MAX_INPUT_BYTES + 1 - total));
      const bytesRead = readSync(fd, chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
    }
    if (total > MAX_INPUT_BYTES) return tooLarge(file, undefined);
    return { ok: true, value: Buffer.concat(chunks, total) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail('vanished', file, 'disappeared before it could be read');
    if (code === 'ELOOP') return symlinkProblem(file);
    return fail('unreadable', file, `could not be read (${code ?? String(e)})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function decode(r: Result<Buffer, InputProblem[]>, file: string): Result<string, InputProblem[]> {
  if (!r.ok) return r;
  try {
    // The default ignoreBOM: false strips a leading BOM.
    return { ok: true, value: new TextDecoder('utf-8', { fatal: true }).decode(r.value) };
  } catch {
    const line = firstBadLine(r.value);
    return {
      ok: false,
      error: [
        {
          file,
          line,
          reason: 'not-utf8',
          message: 'is not valid UTF-8 text; save it as UTF-8',
        },
      ],
    };
  }
}

function firstBadLine(buf: Buffer): number {
  // A newline byte never occurs inside a multi-byte UTF-8 sequence, so lines decode separately.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    const end = nl === -1 ? buf.length : nl;
    try {
      decoder.decode(buf.subarray(start, end));
    } catch {
      return line;
    }
    if (nl === -1) return line;
    line++;
    start = nl + 1;
  }
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  return 'a device or other special file';
}

function symlinkProblem(file: string): Result<never, InputProblem[]> {
  return fail(
    'symlink',
    file,
    'is a symbolic link; baton never reads through symlinks, so put a regular file there',
  );
}

function tooLarge(file: string, size: number | undefined): Result<never, InputProblem[]> {
  // `size` is undefined when the file grew past the limit while being read.
  const what = size === undefined ? 'is' : `is ${size} bytes,`;
  return fail(
    'too-large',
    file,
    `${what} larger than the limit of ${MAX_INPUT_BYTES} bytes (1 MiB); shorten it`,
  );
}

function fail(reason: ReadFailure, file: string, message: string): Result<never, InputProblem[]> {
  return { ok: false, error: [{ file, reason, message }] };
}
