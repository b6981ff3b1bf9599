/**
 * Wires every command into the program; each command lives in its own file. The files hold
 * only each command's definition and import what it runs when it runs: `baton --version` and
 * `baton status` load their own code, not every command's (a third of a second at start).
 */
import type { Command } from 'commander';
import { registerContinue } from './continue.js';
import { registerDemo } from './demo.js';
import { registerDoctor } from './doctor.js';
import { registerDispatch } from './dispatch.js';
import { registerFollowup } from './followup.js';
import { registerStop } from './stop.js';
import { registerRemove } from './remove.js';
import { registerPr } from './pr.js';
import { registerHistory } from './history.js';
import { registerHook } from './hook.js';
import { registerHooks } from './hooks.js';
import { registerInit } from './init.js';
import { registerLogs } from './logs.js';
import { registerService } from './service.js';
import { registerStatus } from './status.js';
import { registerUi } from './ui.js';
import { registerWatch } from './watch.js';

/**
 * Adds every baton command to `program`, for a run with arguments `argv`. The hidden `worker`
 * command is added only when it is the one asked for: its module loads the whole worker.
 */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  registerInit(program);
  registerDispatch(program);
  registerFollowup(program);
  registerContinue(program);
  registerStop(program);
  registerRemove(program);
  registerPr(program);
  registerDemo(program);
  registerStatus(program);
  registerLogs(program);
  registerHistory(program);
  registerWatch(program);
  registerUi(program);
  if (asksFor(argv, 'worker')) (await import('./worker.js')).registerWorker(program);
  registerHook(program);
  registerHooks(program);
  registerDoctor(program);
  registerService(program);
}

/** True when the command line names `command` (as `baton <command> ...` or `baton help <command>`). */
function asksFor(argv: readonly string[], command: string): boolean {
  return argv[2] === command || (argv[2] === 'help' && argv[3] === command);
}
