/** `baton ui [--port N] [--host H] [--open]`: the board as a local web page, until Ctrl-C. */
import type { Command } from 'commander';
import { BatonError } from '../domain/errors.js';
import type { Repo } from '../ops/repo.js';

/** The options `ui` and `watch --ui` share. */
export interface UiFlags {
  port?: string;
  host?: string;
  open?: boolean;
}

/** Registers `ui`. */
export function registerUi(program: Command): void {
  program
    .command('ui')
    .description(
      'Serve the board as a local web page (127.0.0.1, a random token in its URL) until Ctrl-C: live state, logs, history, and the same actions as the CLI.',
    )
    .option('--port <port>', 'the port to listen on (default: a free one)')
    .option('--host <host>', 'the address to listen on (default 127.0.0.1: this machine only)')
    .option('--open', 'open the page in the default browser')
    .action(async (opts: UiFlags) => {
      const { openRepo } = await import('../ops/repo.js');
      const repo = await openRepo(process.cwd());
      const ui = await startUiFor(repo, opts);
      const stopped = new Promise<void>((resolve) => {
        process.on('SIGINT', () => resolve());
        process.on('SIGTERM', () => resolve());
      });
      await stopped;
      await ui.close();
    });
}

/** Starts the page's server for `repo` and says where it is (stdout: the URL; stderr: how to use it). */
export async function startUiFor(repo: Repo, opts: UiFlags): Promise<{ close(): Promise<void> }> {
  const port = portOf(opts.port);
  const { startUi } = await import('../ui/server.js');
  let ui;
  try {
    ui = await startUi({ repo, port, ...(opts.host === undefined ? {} : { host: opts.host }) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BatonError(
      'USAGE',
      `Cannot listen on ${opts.host ?? '127.0.0.1'}:${port}: ${code ?? String(err)}.`,
      {
        hint: 'Choose another --port (or leave it out for a free one).',
      },
    );
  }
  process.stdout.write(`${ui.url}\n`);
  process.stderr.write(
    `baton: the board is at ${ui.origin}; open the URL above (it carries the token; keep it private). Ctrl-C stops it.\n`,
  );
  if (opts.host !== undefined && !isLoopback(opts.host))
    process.stderr.write(
      `baton: warning: listening on ${opts.host}: anyone with the URL on that network can act.\n`,
    );
  if (opts.open) await openBrowser(ui.url);
  return ui;
}

/** The --port value as a port number; 0 (a free port) when absent. */
function portOf(port: string | undefined): number {
  if (port === undefined) return 0;
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new BatonError('USAGE', `--port ${port} is not a port number.`, {
      hint: 'Use 1–65535, or leave it out.',
    });
  return n;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Opens `url` with the platform's opener (xdg-open, open); says so when that fails. */
async function openBrowser(url: string): Promise<void> {
  const { run } = await import('../proc/exec.js');
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  // The opener hands the URL to the browser and returns; a browser it starts is not waited for.
  const r = await run(opener, [url], { timeoutMs: 10_000 });
  if (r.failure !== null) process.stderr.write(`baton: ${r.message}; open the URL yourself.\n`);
}
