#!/usr/bin/env node
/**
 * The `baton` command. The one place that prints errors and sets the exit code: every command
 * throws BatonError for expected failures, and this turns it into one sentence, a hint and a code.
 */
import './compile-cache.js';
import { BatonError, ExitCode } from '../domain/errors.js';

async function main(argv: string[]): Promise<number> {
  if (argv[2] === 'worker' && argv.length === 3) {
    // The worker's start is on every dispatch's critical path: skip loading the other commands.
    const { workerMain } = await import('./worker.js');
    return workerMain();
  }
  const { Command } = await import('commander');
  const { registerCommands } = await import('./commands.js');
  const program = new Command('baton')
    .description(
      'Supervise AI coding-agent workers on a git repository: one task = one worktree = one branch = one worker.',
    )
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  await registerCommands(program, argv);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return report(err);
  }
}

/** Prints an error the way every baton error is printed; returns the exit code. */
function report(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('commander.')) {
    // Commander has already printed what was wrong (or the help, or the version).
    const shown =
      code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help';
    return shown ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof BatonError) {
    process.stderr.write(`baton: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  ${err.hint}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(
    `baton: unexpected error: ${message}\n  Please report it with the command you ran; set BATON_DEBUG=1 for the stack.\n`,
  );
  if (process.env.BATON_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return ExitCode.error;
}

const VERSION = '0.1.0';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = report(err);
  },
);
