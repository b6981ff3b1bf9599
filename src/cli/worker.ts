/** `baton worker`: internal; started detached by a dispatcher with its assignment on stdin. */
import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { runWorker } from '../worker/worker.js';

/** Registers the hidden `worker` command. */
export function registerWorker(program: Command): void {
  program
    .command('worker', { hidden: true })
    .description('internal: the supervisor that holds a task lock and runs its agent')
    .action(async () => {
      // fd 3 is the acknowledgement pipe to the dispatcher; it is closed after one line.
      let ack: NodeJS.WritableStream | null = null;
      try {
        ack = createWriteStream('', { fd: 3 });
        ack.on('error', () => undefined);
      } catch {
        ack = null;
      }
      process.exitCode = await runWorker({
        input: process.stdin,
        ack: (message) => {
          ack?.end(`${message}\n`);
          ack = null;
        },
      });
    });
}
