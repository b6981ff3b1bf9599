/**
 * Process identity and liveness against real processes: a reaped child, a real zombie, a
 * faked start time (pid reuse) and a faked boot id. Every process started here is ended by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterEach, describe, expect, it } from 'vitest';

import {
  bootId,
  identityOf,
  isAlive,
  killProcessGroup,
  liveness,
  parseProcStat,
  parsePsLine,
  selfIdentity,
  waitForExit,
} from '../../src/proc/identity.js';
import { endChild } from '../helpers/children.js';

const linux = process.platform === 'linux';
const started: ChildProcess[] = [];

afterEach(async () => {
  for (const child of started.splice(0)) await endChild(child);
});

function start(
  cmd: string,
  args: string[],
  opts: { detached?: boolean } = {},
): ChildProcess & { pid: number } {
  const child = spawn(cmd, args, { stdio: 'ignore', detached: opts.detached ?? false });
  started.push(child);
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  return child as ChildProcess & { pid: number };
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The pids whose parent is `ppid`, found by scanning /proc (no /proc/<pid>/task/*\/children here). */
async function childrenOf(ppid: number): Promise<{ pid: number; state: string }[]> {
  const out: { pid: number; state: string }[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const snap = parseProcStat(await readFile(`/proc/${name}/stat`, 'utf8'));
      if (snap !== null && snap.ppid === ppid) out.push({ pid: snap.pid, state: snap.state });
    } catch {
      // The process ended while we scanned.
    }
  }
  return out;
}

describe('parseProcStat', () => {
  const tail = '1 4242 4242 0 -1 4194304 101 0 0 0 0 0 0 0 20 0 1 0 50808 3133440 415 18446744073709551615 0';

  it('reads state, ppid and start time (field 22)', () => {
    expect(parseProcStat(`5956 (cat) R ${tail}`)).toEqual({
      pid: 5956,
      ppid: 1,
      state: 'R',
      startTime: '50808',
    });
  });

  it('counts fields after the last ")" so a command name with spaces and parens cannot shift them', () => {
    const snap = parseProcStat(`77 (evil) Z 9 9 (x) y) S ${tail}\n`);
    expect(snap).toEqual({ pid: 77, ppid: 1, state: 'S', startTime: '50808' });
  });

  it('rejects lines that are not stat lines', () => {
    expect(parseProcStat('')).toBeNull();
    expect(parseProcStat('12 (x) S 1 2')).toBeNull();
    expect(parseProcStat('abc (x) S ' + tail)).toBeNull();
  });
});

describe('parsePsLine', () => {
  it('keeps the whole lstart text, spaces included', () => {
    expect(parsePsLine('  812     1 Ss   Mon Nov 27 10:00:00 2026\n')).toEqual({
      pid: 812,
      ppid: 1,
      state: 'Ss',
      startTime: 'Mon Nov 27 10:00:00 2026',
    });
    expect(parsePsLine('')).toBeNull();
  });
});

describe('identity and liveness', () => {
  it('names the current process, alive', async () => {
    const self = await selfIdentity();
    expect(self.pid).toBe(process.pid);
    expect(self.bootId).toBe(await bootId());
    if (linux) expect(self.startTime).toMatch(/^\d+$/);
    expect(await liveness(self)).toBe('alive');
    expect(await isAlive(self)).toBe(true);
  });

  it('returns null for a pid no process has', async () => {
    expect(await identityOf(99_999_999)).toBeNull();
    expect(await identityOf(0)).toBeNull();
    expect(await identityOf(-1)).toBeNull();
  });

  it('calls a child that exited dead', async () => {
    const child = start('sleep', ['30']);
    const id = await identityOf(child.pid);
    expect(id).not.toBeNull();
    expect(await liveness(id!)).toBe('alive');
    await endChild(child);
    expect(await liveness(id!)).toBe('dead');
    expect(await waitForExit(id!, 1000)).toBe(true);
  });

  it.runIf(linux)('calls a zombie a zombie, and gone for waitForExit', async () => {
    // The backgrounded sleep ends first; its parent is now the exec'd `sleep 30`, which never reaps it.
    const parent = start('sh', ['-c', 'sleep 0.05 & exec sleep 30']);
    const zombie = await until('a zombie child', async () =>
      (await childrenOf(parent.pid)).find((c) => c.state === 'Z'),
    );
    const id = await identityOf(zombie.pid);
    expect(id).not.toBeNull();
    expect(await liveness(id!)).toBe('zombie');
    expect(await isAlive(id!)).toBe(false);
    expect(await waitForExit(id!, 1000)).toBe(true);
  });

  it('calls a live pid with another start time reused, and another boot rebooted', async () => {
    const self = await selfIdentity();
    expect(await liveness({ ...self, startTime: `${self.startTime}1` })).toBe('reused');
    expect(await liveness({ ...self, bootId: 'another-boot' })).toBe('rebooted');
  });

  it('waitForExit times out on a live process', async () => {
    const child = start('sleep', ['30']);
    const id = await identityOf(child.pid);
    const t0 = Date.now();
    expect(await waitForExit(id!, 100)).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
  });
});

describe('killProcessGroup', () => {
  it.runIf(linux)('signals a whole group, and reports a group that does not exist', async () => {
    // detached: the child leads its own process group, so -pid names the group.
    const leader = start('sh', ['-c', 'sleep 30 & wait'], { detached: true });
    const member = await until('the backgrounded sleep', async () => (await childrenOf(leader.pid))[0]);
    const memberId = await identityOf(member.pid);
    expect(killProcessGroup(leader.pid, 'SIGKILL')).toBe(true);
    // The member was in the group too: it is gone (perhaps a zombie until pid 1 reaps it).
    expect(await waitForExit(memberId!, 2000)).toBe(true);
    expect(killProcessGroup(99_999_999, 'SIGKILL')).toBe(false);
  });

  it('refuses groups 0 and 1 and negative ids', () => {
    expect(() => killProcessGroup(0)).toThrow();
    expect(() => killProcessGroup(1)).toThrow();
    expect(() => killProcessGroup(-5)).toThrow();
  });
});
