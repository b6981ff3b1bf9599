/** `baton logs <slug> [-f] [--raw]`: the task's agent output, every run, rendered for a person. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Command } from 'commander';
import type { LogView } from '../agents/view.js';
import { isNotFound } from '../store/history.js';
import { taskPaths } from '../store/paths.js';

/** Registers `logs`. */
export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description(
      "Print a task's agent output, every run under a header line: Claude and Codex events as readable text.",
    )
    .argument('<slug>', 'the task')
    .option('-f, --follow', 'keep printing new output until interrupted')
    .option('--raw', "print the log as it is (the agents' JSON lines)")
    .action(async (slug: string, opts: { follow?: boolean; raw?: boolean }) => {
      const { assertSlug, openRepo } = await import('../ops/repo.js');
      assertSlug(slug);
      const repo = await openRepo(process.cwd());
      const tp = taskPaths(repo.paths, slug);
      const file = tp.logFile;
      const { assertKnownTask, nothingYet } = await import('../ops/nothing-yet.js');
      // With -f a task may be about to be written: follow its log whenever it appears.
      if (!opts.follow) assertKnownTask(repo, slug, [file, tp.historyFile]);
      const out = opts.raw
        ? rawSink()
        : renderSink((await import('../agents/log-view.js')).createLogRenderer(repo.config.agents));
      let at: Place = { ino: null, offset: 0 };
      try {
        at = await copyFrom(file, at, out);
        if (!opts.follow) await out.flush();
      } catch (err) {
        if (!isNotFound(err)) throw err;
        if (!opts.follow) {
          // Known (checked above) but nothing written yet: not an error. On stderr with --raw,
          // whose stdout is the file's bytes.
          const line = `${await nothingYet(repo, slug, 'log')}\n`;
          if (opts.raw) process.stderr.write(`baton: ${line}`);
          else process.stdout.write(line);
          return;
        }
      }
      if (opts.follow) await follow(file, at, out);
    });
}

/** Where a follow has read up to: the file it read (by identity) and how far. */
interface Place {
  ino: number | null;
  offset: number;
}

/**
 * Where output goes: the log's bytes as they are, or rendered line by line. `flush` prints a
 * last line that has no line break yet; a follow calls it only when the file is replaced, since
 * the rest of a growing line is still to come.
 */
interface Sink {
  write(chunk: Buffer): Promise<void>;
  flush(): Promise<void>;
}

function print(text: string | Buffer): Promise<void> {
  // Wait for a full pipe to drain, so a long log through `less` is not buffered in memory.
  return process.stdout.write(text) ? Promise.resolve() : new Promise((r) => process.stdout.once('drain', r));
}

function rawSink(): Sink {
  return { write: print, flush: () => Promise.resolve() };
}

function renderSink(view: LogView): Sink {
  let decoder = new StringDecoder('utf8');
  let partial = '';
  const show = (lines: string[]): Promise<void> =>
    lines.length === 0 ? Promise.resolve() : print(`${lines.join('\n')}\n`);
  return {
    async write(chunk) {
      const text = partial + decoder.write(chunk);
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      await show(lines.flatMap((l) => view(l)));
    },
    async flush() {
      const rest = partial + decoder.end();
      partial = '';
      decoder = new StringDecoder('utf8');
      if (rest !== '') await show(view(rest));
    },
  };
}

/**
 * Prints what `file` holds past `at`, and returns where that leaves off. A file replaced under
 * the same name (rotated) or shorter than what was read (truncated) is printed from its start.
 */
async function copyFrom(file: string, at: Place, out: Sink): Promise<Place> {
  const h = await fs.open(file, 'r');
  try {
    const { size, ino } = await h.stat();
    const restart = (at.ino !== null && ino !== at.ino) || size < at.offset;
    const start = restart ? 0 : at.offset;
    if (restart) await out.flush(); // the old file's unfinished last line will not be finished
    if (size > start) {
      // From the handle, so a rotation after the stat cannot mix two files' bytes.
      for await (const chunk of h.createReadStream({ start, end: size - 1, autoClose: false }))
        await out.write(chunk as Buffer);
    }
    return { ino, offset: size };
  } finally {
    await h.close();
  }
}

/**
 * Prints what `file` gets from `start` on until SIGINT or SIGTERM: on every chokidar event for it
 * (written, created, replaced, truncated), and when its folder is made anew.
 */
async function follow(file: string, start: Place, out: Sink): Promise<void> {
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const { watchFolders } = await import('../watch/folder-events.js');
  const dir = path.dirname(file);
  const name = path.basename(file);
  let at = start;
  // One read at a time; an event during a read asks for one more read after it.
  let reading: Promise<void> | null = null;
  let again = false;
  const tick = (): void => {
    if (reading) {
      again = true;
      return;
    }
    reading = copyFrom(file, at, out)
      .then(
        (p) => void (at = p),
        () => undefined, // not there (yet, or between a rotation's unlink and add)
      )
      .finally(() => {
        reading = null;
        if (again) {
          again = false;
          tick();
        }
      });
  };
  const events = watchFolders([dir], {
    onName: (_dir, n) => {
      if (n === null || n === name) tick();
    },
    onError: () => undefined, // the next event for the file reads everything it missed
  });
  await events.ready;
  tick(); // what was written while the watch was being set up
  await stopped;
  await events.close();
}
