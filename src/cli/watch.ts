/** `baton watch [--once]`: the watcher, in the foreground; one per repository. */
import path from 'node:path';
import type { Command } from 'commander';
import { BatonError } from '../domain/errors.js';
import type { LockRecord } from '../store/lock.js';
import type { UiFlags } from './ui.js';

/** Registers `watch`. */
export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description(
      'Run the watcher in the foreground: react to tasks/ at once, heartbeat every heartbeatSeconds; workers outlive it.',
    )
    .option('--once', 'run exactly one heartbeat cycle, print a one-line summary and exit')
    .option('--json', "with --once: print the cycle's report as JSON")
    .option('--ui', 'also serve the board as a web page, as `baton ui` does')
    .option('--port <port>', 'with --ui: the port (default: a free one)')
    .option('--host <host>', 'with --ui: the address (default 127.0.0.1)')
    .option('--open', 'with --ui: open the page in the default browser')
    .action(async (opts: { once?: boolean; json?: boolean } & { ui?: boolean } & UiFlags) => {
      const { openRepo } = await import('../ops/repo.js');
      const { newRunId } = await import('../launch/run-id.js');
      const { selfIdentity } = await import('../proc/identity.js');
      const { describeHolder, refreshLock, releaseLock, tryAcquireLock } = await import('../store/lock.js');
      const repo = await openRepo(process.cwd());
      const lockPath = path.join(repo.info.commonDir, 'baton-watch.lock');
      const got = await tryAcquireLock(lockPath, {
        holder: await selfIdentity(),
        runId: newRunId(),
        slug: null,
      });
      if (!got.ok) {
        throw new BatonError(
          'BUSY',
          `A watcher already runs for this repository: ${describeHolder(got.holder)}.`,
          {
            hint: 'Stop it first (or let it work: it already does what `watch --once` would).',
          },
        );
      }
      let lock: LockRecord = got.record;
      const say = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      try {
        if (opts.once) {
          const { runCycle } = await import('../watch/cycle.js');
          // The PR poll first: the follow-ups it drops are ingested by this very cycle.
          const { pollPrs } = await import('../ops/pr-poll.js');
          for (const line of (await pollPrs(repo)).lines) say(line);
          const report = await runCycle(repo);
          if (opts.json) {
            process.stdout.write(
              `${JSON.stringify({ running: report.running, decisions: report.decisions, ingested: report.ingested, durationMs: report.durationMs, radar: report.radar })}\n`,
            );
            return;
          }
          const { summarizeCycle } = await import('./cycle-summary.js');
          process.stdout.write(`${summarizeCycle(report, repo.config.heartbeatSeconds).join('\n')}\n`);
          return;
        }
        const { Watcher } = await import('../watch/watcher.js');
        const { StandbyPool, standbyLog } = await import('../launch/standby.js');
        const standby = new StandbyPool({ outputFile: standbyLog(repo.paths) });
        const watcher = new Watcher(repo, say, standby);
        const stopped = new Promise<void>((resolve) => {
          const stop = (sig: string): void => {
            say(`${sig}: stopping the watcher; workers keep running`);
            resolve();
          };
          // `on`, not `once`: signal-exit (in write-file-atomic) re-raises a signal no other
          // listener handles, so with `once` a status write in flight turned a stop into a kill.
          process.on('SIGINT', () => stop('SIGINT'));
          process.on('SIGTERM', () => stop('SIGTERM'));
        });
        say(
          `watching ${repo.paths.tasksDir} (pid ${process.pid}; heartbeat every ${repo.config.heartbeatSeconds} s)`,
        );
        await watcher.start();
        const ui = opts.ui ? await (await import('./ui.js')).startUiFor(repo, opts) : null;
        const keepLock = setInterval(() => {
          void refreshLock(lockPath, lock).then(
            (r) => (lock = r),
            () => undefined,
          );
        }, 5000);
        await stopped;
        clearInterval(keepLock);
        await ui?.close();
        await watcher.stop();
      } finally {
        await releaseLock(lockPath, lock).catch(() => false);
      }
    });
}
