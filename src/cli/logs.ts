/** `baton logs <slug> [-f]`: the task's agent output, every run. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { BatonError } from '../domain/errors.js';
import { isNotFound } from '../store/history.js';
import { taskPaths } from '../store/paths.js';

/** Registers `logs`. */
export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("Print a task's agent output (every run, with a header line per run).")
    .argument('<slug>', 'the task')
    .option('-f, --follow', 'keep printing new output until interrupted')
    .action(async (slug: string, opts: { follow?: boolean }) => {
      const { assertSlug, openRepo } = await import('../ops/repo.js');
      assertSlug(slug);
      const repo = await openRepo(process.cwd());
      const file = taskPaths(repo.paths, slug).logFile;
      let at: Place = { ino: null, offset: 0 };
      try {
        at = await copyFrom(file, at);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        if (!opts.follow) {
          throw new BatonError('UNKNOWN_TASK', `Task ${slug} has no log yet.`, {
            hint: `Dispatch it with \`baton dispatch ${slug}\`.`,
          });
        }
      }
      if (opts.follow) await follow(file, at);
    });
}

/** Where a follow has read up to: the file it read (by identity) and how far. */
interface Place {
  ino: number | null;
  offset: number;
}

/**
 * Prints what `file` holds past `at`, and returns where that leaves off. A file replaced under
 * the same name (rotated) or shorter than what was read (truncated) is printed from its start.
 */
async function copyFrom(file: string, at: Place): Promise<Place> {
  const h = await fs.open(file, 'r');
  try {
    const { size, ino } = await h.stat();
    const start = (at.ino !== null && ino !== at.ino) || size < at.offset ? 0 : at.offset;
    if (size > start) {
      // From the handle, so a rotation after the stat cannot mix two files' bytes.
      await new Promise<void>((resolve, reject) => {
        const s = h.createReadStream({ start, end: size - 1, autoClose: false });
        s.on('error', reject);
        s.on('end', resolve);
        s.pipe(process.stdout, { end: false });
      });
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
async function follow(file: string, start: Place): Promise<void> {
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
    reading = copyFrom(file, at)
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
