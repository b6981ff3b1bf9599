/** `baton status [--json] [--watch]`: the board, as a table or as stable json; `--watch` redraws it live. */
import type { Command } from 'commander';

/** Registers `status`. */
export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Show every task: state, worker, session, pending follow-ups; and rejected drops.')
    .option('--json', 'print {"tasks": [...], "rejected": [...]} (stable; docs/reference.md)')
    .option(
      '--watch',
      'redraw every second and on every change until Ctrl-C (with --json: one json line per frame)',
    )
    .action(async (opts: { json?: boolean; watch?: boolean }) => {
      // The board's modules load while git finds the repository; awaited below, where a failure shows.
      const boardModule = import('../ops/board.js');
      boardModule.catch(() => undefined);
      const view = Promise.all([import('./board-view.js'), import('./board-text.js')]);
      view.catch(() => undefined);
      const repo = await (await import('../ops/repo.js')).openRepo(process.cwd());
      if (opts.watch) return (await import('./status-watch.js')).runStatusWatch(repo, opts);
      // Cluster mode: every claim on the remote, read beside the board (ops/fleet.ts).
      const fleetRead =
        repo.config.cluster === null ? null : import('../ops/fleet.js').then((m) => m.readFleet(repo));
      const board = await (await boardModule).readBoard(repo);
      const fleet = await fleetRead;
      const [{ boardJson }, { renderBoard }] = await view;
      const { terminalOf } = await import('./terminal.js');
      if (opts.json) {
        const json = boardJson(board);
        const out = fleet
          ? { ...json, ...(await import('./fleet-json.js')).fleetJson(json.tasks, fleet) }
          : json;
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      const text = renderBoard(board, new Date(), terminalOf(process.stdout));
      const fleetText = fleet ? `\n${(await import('./fleet-text.js')).renderFleet(fleet, new Date())}` : '';
      process.stdout.write(text + fleetText);
    });
}
