/**
 * A child started with the proc module's `spawnDetached` (how baton starts workers and agents)
 * leads its own process group and outlives the process that started it, even when that process
 * exits normally (execa's `cleanup` would kill it then). Runs the built module (dist/) in a real
 * parent process; the grandchild is ended by its process group.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import type { ProcessIdentity } from '../../src/domain/types.js';
import { identityOf, killProcessGroup, liveness, waitForExit } from '../../src/proc/identity.js';
import { projectRoot } from '../helpers/rig.js';

const execModule = pathToFileURL(path.join(projectRoot, 'dist/proc/exec.js')).href;
const leftovers: ProcessIdentity[] = [];

afterEach(async () => {
  for (const id of leftovers.splice(0)) {
    if ((await liveness(id)) !== 'alive') continue;
    killProcessGroup(id.pid, 'SIGKILL');
    await waitForExit(id, 5000);
  }
});

/** The process group of `pid`, from /proc (field 5) or ps. */
function processGroup(pid: number): number {
  if (process.platform === 'linux') {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  }
  throw new Error('processGroup: only Linux is covered here');
}

describe.runIf(process.platform === 'linux')('spawnDetached', () => {
  it('starts a child in its own process group that outlives its parent', async () => {
    // The parent starts a long sleeper through spawnDetached, prints its pid, and exits at once.
    const parent = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { spawnDetached } = await import(${JSON.stringify(execModule)});
         const { child } = await spawnDetached(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
           cwd: '/', env: process.env, stdio: ['ignore', 'ignore', 'ignore'],
         });
         child.unref();
         process.stdout.write(String(child.pid));
         process.exit(0);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    parent.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => parent.once('close', resolve));
    expect(code).toBe(0);
    const pid = Number(out);
    expect(Number.isSafeInteger(pid) && pid > 1).toBe(true);
    const id = await identityOf(pid);
    expect(id).not.toBeNull();
    leftovers.push(id!);
    expect(await liveness(id!)).toBe('alive');
    expect(processGroup(pid)).toBe(pid);
    expect(processGroup(pid)).not.toBe(processGroup(process.pid));
    // The group is what baton signals to end an agent and whatever it started.
    expect(killProcessGroup(pid, 'SIGKILL')).toBe(true);
    expect(await waitForExit(id!, 5000)).toBe(true);
  });
});
