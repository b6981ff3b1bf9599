/** Wires every command into the program; each command lives in its own file. */
import type { Command } from 'commander';
import { registerContinue } from './continue.js';
import { registerDispatch } from './dispatch.js';
import { registerFollowup } from './followup.js';
import { registerStop } from './stop.js';
import { registerHistory } from './history.js';
import { registerInit } from './init.js';
import { registerLogs } from './logs.js';
import { registerStatus } from './status.js';
import { registerWatch } from './watch.js';
import { registerWorker } from './worker.js';

/** Adds every baton command to `program`. */
export function registerCommands(program: Command): void {
  registerInit(program);
  registerDispatch(program);
  registerFollowup(program);
  registerContinue(program);
  registerStop(program);
  registerStatus(program);
  registerLogs(program);
  registerHistory(program);
  registerWatch(program);
  registerWorker(program);
}
