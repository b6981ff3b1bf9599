/** `baton logs <slug> [-f]`: the task's agent output, every run. */
import { createReadStream, promises as fs, watch } from 'node:fs';
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
      let offset = 0;
      try {
        offset = await copyFrom(file, 0);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        if (!opts.follow) {
          throw new BatonError('UNKNOWN_TASK', `Task ${slug} has no log yet.`, {
            hint: `Dispatch it with \`baton dispatch ${slug}\`.`,
          });
        }
      }
      if (opts.follow) await follow(file, offset);
    });
}

async function copyFrom(file: string, offset: number): Promise<number> {
  const { size } = await fs.stat(file);
  if (size < offset) offset = 0; // truncated: start again
  if (size === offset) return offset;
  await new Promise<void>((resolve, reject) => {
    const s = createReadStream(file, { start: offset, end: size - 1 });
    s.on('error', reject);
    s.on('end', resolve);
    s.pipe(process.stdout, { end: false });
  });
  return size;
}

function follow(file: string, start: number): Promise<void> {
  return new Promise((resolve) => {
    let offset = start;
    let busy = false;
    const tick = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        offset = await copyFrom(file, offset);
      } catch {
        // not there yet
      } finally {
        busy = false;
      }
    };
    // fs.watch on the folder catches the file's creation; the interval covers missed events.
    const dir = file.slice(0, file.lastIndexOf('/'));
    const watcher = watch(dir, () => void tick());
    const timer = setInterval(() => void tick(), 500);
    const stop = (): void => {
      watcher.close();
      clearInterval(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
