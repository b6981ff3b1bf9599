/**
 * `baton hook <name> [args...]`: internal, run by the git hook shims that `baton init` installs.
 * The shims call hook-main.js (the same thing without commander, for speed) and fall back to
 * this command through `baton` on PATH.
 */
import type { Command } from 'commander';

/** How long a hook may take before it gives up and lets git go on. */
const GIVE_UP_MS = 10_000;

/**
 * Runs hook `name` and returns its exit code: 0 (go on), or 10 after printing a refusal. Never
 * blocks git because of baton's own failure: any error is a warning and exit 0.
 */
export async function hookEntry(name: string, args: string[]): Promise<number> {
  const warn = (what: string): void => {
    process.stderr.write(`baton: ${name} hook: ${what}, so nothing was checked and git goes on.\n`);
  };
  const timer = setTimeout(() => {
    warn(`no answer after ${GIVE_UP_MS / 1000} s`);
    process.exit(0);
  }, GIVE_UP_MS);
  timer.unref();
  try {
    const { runHook } = await import('../hooks/run.js');
    return await runHook({
      name,
      args,
      env: process.env,
      readStdin,
      write: (text) => process.stderr.write(text),
    });
  } catch (err) {
    warn(`unexpected error (${err instanceof Error ? err.message : String(err)})`);
    return 0;
  } finally {
    clearTimeout(timer);
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Registers the hidden `hook` command. */
export function registerHook(program: Command): void {
  program
    .command('hook', { hidden: true })
    .description('internal: the check a git hook shim runs (exit 10 refuses, 0 lets git go on)')
    .argument(
      '<name>',
      'the hook: pre-commit, pre-merge-commit, pre-rebase, post-checkout, reference-transaction',
    )
    .argument('[args...]', "git's arguments to the hook")
    .allowUnknownOption()
    .helpOption(false)
    .action(async (name: string, args: string[]) => {
      process.exitCode = await hookEntry(name, args);
    });
}
