/** `baton worker`: internal; started detached by a dispatcher with its assignment on stdin. */
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { preloadExeca } from '../proc/exec.js';
import { runWorker } from '../worker/worker.js';

/** Registers the hidden `worker` command. */
export function registerWorker(program: Command): void {
  program
    .command('worker', { hidden: true })
    .description('internal: the supervisor that holds a task lock and runs its agent')
    .action(async () => {
      process.exitCode = await workerMain();
    });
}

/**
 * Runs the worker on this process's stdin (the assignment) and fd 3 (the acknowledgement pipe
 * to the dispatcher, closed after one line). main.ts calls this directly, before loading
 * commander and every other command: a worker's start is on the dispatch's critical path.
 */
export async function workerMain(): Promise<number> {
  preload();
  let ack: NodeJS.WritableStream | null = null;
  try {
    ack = createWriteStream('', { fd: 3 });
    ack.on('error', () => undefined);
  } catch {
    ack = null;
  }
  return runWorker({
    input: process.stdin,
    ack: (message) => {
      ack?.end(`${message}\n`);
      ack = null;
    },
  });
}

/**
 * Loads, while the worker waits for its assignment, what it would otherwise load lazily right
 * after it: the task parser and the YAML parser under it (100–200 ms of module loading and first
 * compilation here), and execa, which starts the agent (~100 ms more). A standby waits for as
 * long as it stands by; a fresh worker waits while its dispatcher makes the worktree and takes
 * the lock. Parsing a sample also compiles the parser's common path.
 */
function preload(): void {
  preloadExeca();
  void import('../domain/task.js')
    .then(({ parseTask }) => parseTask('tasks/warm-up.md', 'warm-up', '---\ntitle: warm-up\n---\nwarm-up\n'))
    .catch(() => undefined);
}
