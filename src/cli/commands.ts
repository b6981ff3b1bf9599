/** Wires every command into the program; each command lives in its own file. */
import type { Command } from 'commander';
import { registerContinue } from './continue.js';
import { registerDemo } from './demo.js';
import { registerDoctor } from './doctor.js';
import { registerDispatch } from './dispatch.js';
import { registerFollowup } from './followup.js';
import { registerStop } from './stop.js';
import { registerRemove } from './remove.js';
import { registerHistory } from './history.js';
import { registerHook } from './hook.js';
import { registerHooks } from './hooks.js';
import { registerInit } from './init.js';
import { registerLogs } from './logs.js';
import { registerService } from './service.js';
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
  registerRemove(program);
  registerDemo(program);
  registerStatus(program);
  registerLogs(program);
  registerHistory(program);
  registerWatch(program);
  registerWorker(program);
  registerHook(program);
  registerHooks(program);
  registerDoctor(program);
  registerService(program);
}
