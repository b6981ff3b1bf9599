/** `baton demo [--keep]`: the whole flow, live, in a throwaway repository. */
import type { Command } from 'commander';
import { BatonError } from '../domain/errors.js';

/** Registers `demo`. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'Show the whole flow live in a throwaway repository with a built-in demo agent (no model, no login): init, dispatch, a queued follow-up, an interrupt, history, remove. About 12 seconds.',
    )
    .option('--keep', 'keep the throwaway repository and print where it is')
    .action(async (opts: { keep?: boolean }) => {
      const { endLeftovers, makeSandbox, removeSandbox } = await import('../demo/sandbox.js');
      const { runTour } = await import('../demo/tour.js');
      const say = (line: string): void => void process.stdout.write(`${line}\n`);
      const t0 = Date.now();
      say('baton demo: the whole flow, live, in a throwaway repository.');
      const box = await makeSandbox();
      const abort = new AbortController();
      const onSignal = (): void => abort.abort(new Error('interrupted'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const aborted = new Promise<never>((_, reject) =>
        abort.signal.addEventListener('abort', () => reject(new Error('the demo was interrupted')), {
          once: true,
        }),
      );
      aborted.catch(() => undefined);
      let failure: unknown = null;
      try {
        await Promise.race([runTour(box, say, abort.signal), aborted]);
      } catch (err) {
        failure = err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await endLeftovers(box);
      }
      const keep = opts.keep === true || (failure !== null && !abort.signal.aborted);
      if (!keep) await removeSandbox(box);
      if (failure !== null) {
        const why = failure instanceof Error ? failure.message : String(failure);
        throw new BatonError('INTERNAL', `The demo did not complete: ${why}.`, {
          hint: keep
            ? `Its repository is kept for a look in ${box.base} (tasks/logs/ holds every log); delete it when done.`
            : 'Nothing is left behind; run `baton demo` again when you are ready.',
        });
      }
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      say('');
      say(
        keep
          ? `Done in ${secs} s; nothing is left running. The repository is kept in ${box.base}.`
          : `Done in ${secs} s; nothing is left running, and ${box.base} is removed (--keep keeps it).`,
      );
    });
}
