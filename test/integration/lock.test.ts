/**
 * The single-worker lock against real processes: dead, zombie and pid-reused holders, claims
 * left by killed claimers, races of many processes, and a kill -9 torture run. Every process a
 * test starts is ended by pid. Heavy runs: BATON_HEAVY=1 (or a number, the scale factor).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { BatonError } from '../../src/domain/errors.js';
import type { ProcessIdentity } from '../../src/domain/types.js';
import { identityOf, parseProcStat, selfIdentity } from '../../src/proc/identity.js';
import {
  acquireLockWaiting,
  describeHolder,
  inspectLock,
  readLock,
  refreshLock,
  releaseLock,
  tryAcquireLock,
  withRepoLock,
} from '../../src/store/lock.js';
import { endChild } from '../helpers/children.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const contender = join(root, 'test/fixtures/lock-contender.mjs');
const heavyEnv = process.env.BATON_HEAVY;
const scale =
  heavyEnv === undefined || heavyEnv === '' || heavyEnv === '0' ? 1 : Math.max(5, Number(heavyEnv) || 5);

const started = new Set<ChildProcess>();
let dir: string;
let lock: string;

beforeAll(async () => {
  // The fixture imports the built module: make sure dist exists (building is the caller's job).
  if (!existsSync(join(root, 'dist/store/lock.js'))) {
    throw new Error('dist/store/lock.js is missing: run `npx tsc -p tsconfig.build.json` first');
  }
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-lock-'));
  lock = join(dir, 'baton.lock');
});

afterEach(async () => {
  await Promise.all([...started].map(endChild));
  await rm(dir, { recursive: true, force: true });
});

function start(cmd: string, args: string[]): ChildProcess & { pid: number } {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child as ChildProcess & { pid: number };
}

/** A process that has exited (and been reaped): its identity names nobody alive. */
async function deadIdentity(): Promise<ProcessIdentity> {
  const child = start('sleep', ['30']);
  const id = await identityOf(child.pid);
  await endChild(child);
  return id!;
}

async function liveIdentity(): Promise<{ child: ChildProcess; id: ProcessIdentity }> {
  const child = start('sleep', ['30']);
  return { child, id: (await identityOf(child.pid))! };
}

async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function acquire(holder: ProcessIdentity, runId: string) {
  const r = await tryAcquireLock(lock, { holder, runId, slug: 'alpha' });
  if (!r.ok) throw new Error(`expected to acquire, held by ${describeHolder(r.holder)}`);
  return r;
}

describe('acquire, refresh, release', () => {
  it('hands out a higher epoch on each acquisition, across release', async () => {
    const me = await selfIdentity();
    const first = await acquire(me, 'r-1');
    expect(first.record).toMatchObject({
      epoch: 1,
      runId: 'r-1',
      slug: 'alpha',
      released: false,
      agent: null,
    });
    expect(first.tookOver).toBeNull();
    expect((await tryAcquireLock(lock, { holder: me, runId: 'r-2', slug: 'alpha' })).ok).toBe(false);
    expect(await releaseLock(lock, first.record)).toBe(true);
    expect(await readLock(lock)).toMatchObject({ epoch: 1, released: true, runId: 'r-1' });
    expect(await inspectLock(lock)).toMatchObject({ live: false });
    const second = await acquire(me, 'r-2');
    expect(second.record.epoch).toBe(2);
    expect(second.tookOver).toBeNull();
    expect(await inspectLock(lock)).toMatchObject({ live: true, liveness: 'alive' });
  });

  it('refreshes the heartbeat and agent while ours, and refuses once lost', async () => {
    const me = await selfIdentity();
    const clock = { t: Date.parse('2026-11-27T10:00:00Z') };
    const now = () => new Date(clock.t);
    const r = await tryAcquireLock(lock, { holder: me, runId: 'r-a', slug: 'alpha', now });
    if (!r.ok) throw new Error('not acquired');
    clock.t += 5000;
    const agent = await liveIdentity();
    const refreshed = await refreshLock(lock, r.record, { agent: agent.id }, { now });
    expect(refreshed).toMatchObject({ epoch: 1, heartbeatAt: '2026-11-27T10:00:05.000Z', agent: agent.id });
    expect(refreshed.acquiredAt).toBe('2026-11-27T10:00:00.000Z');
    // The original record still names this acquisition: refresh keys on runId + epoch.
    expect((await refreshLock(lock, r.record)).agent).toEqual(agent.id);
    expect(await releaseLock(lock, refreshed)).toBe(true);
    expect(await releaseLock(lock, refreshed)).toBe(true);
    await expect(refreshLock(lock, refreshed)).rejects.toMatchObject({ code: 'LOCK_FAILED' });
  });

  it('refuses release and refresh by anyone but the current acquisition', async () => {
    const me = await selfIdentity();
    const first = await acquire(me, 'r-1');
    expect(await releaseLock(lock, { ...first.record, runId: 'r-other' })).toBe(false);
    expect(await readLock(lock)).toMatchObject({ released: false });
    await releaseLock(lock, first.record);
    await acquire(me, 'r-2');
    expect(await releaseLock(lock, first.record)).toBe(false);
    await expect(refreshLock(lock, first.record)).rejects.toBeInstanceOf(BatonError);
    expect(await inspectLock(lock)).toMatchObject({ live: true, record: { runId: 'r-2', epoch: 2 } });
  });

  it('names another process as holder: live while it lives, and anyone may release on its behalf', async () => {
    const worker = await liveIdentity();
    const r = await acquire(worker.id, 'r-w');
    expect(r.record.holder).toEqual(worker.id);
    const other = await tryAcquireLock(lock, { holder: await selfIdentity(), runId: 'r-x', slug: 'alpha' });
    expect(other).toMatchObject({ ok: false, holder: { runId: 'r-w' } });
    if (!other.ok)
      expect(describeHolder(other.holder)).toBe(
        `pid ${worker.id.pid} (run r-w, since ${r.record.acquiredAt})`,
      );
    expect(await releaseLock(lock, r.record)).toBe(true);
  });
});

describe('stale holders', () => {
  it('takes over the lock of a SIGKILLed holder', async () => {
    const holder = await liveIdentity();
    const agent = await deadIdentity();
    const held = await acquire(holder.id, 'r-old');
    await refreshLock(lock, held.record, { agent });
    await endChild(holder.child);
    const r = await acquire(await selfIdentity(), 'r-new');
    expect(r.record.epoch).toBe(held.record.epoch + 1);
    expect(r.tookOver).toMatchObject({ runId: 'r-old', epoch: held.record.epoch, agent });
  });

  it.runIf(process.platform === 'linux')('takes over the lock of a zombie holder', async () => {
    const parent = start('sh', ['-c', 'sleep 0.05 & exec sleep 30']);
    const zombiePid = await until('a zombie', async () => {
      for (const name of await readdir('/proc')) {
        if (!/^\d+$/.test(name)) continue;
        const snap = parseProcStat(await readFile(`/proc/${name}/stat`, 'utf8').catch(() => ''));
        if (snap?.ppid === parent.pid && snap.state === 'Z') return snap.pid;
      }
      return null;
    });
    const zombie = (await identityOf(zombiePid))!;
    await acquire(zombie, 'r-zombie');
    expect(await inspectLock(lock)).toMatchObject({ live: false, liveness: 'zombie' });
    const r = await acquire(await selfIdentity(), 'r-new');
    expect(r.tookOver?.runId).toBe('r-zombie');
  });

  it('takes over when the recorded pid is alive but its start time differs (pid reused)', async () => {
    const live = await liveIdentity();
    await acquire({ ...live.id, startTime: '1' }, 'r-reused');
    expect(await inspectLock(lock)).toMatchObject({ live: false, liveness: 'reused' });
    const r = await acquire(await selfIdentity(), 'r-new');
    expect(r.tookOver?.runId).toBe('r-reused');
  });

  it('takes over a lock from another boot', async () => {
    await acquire({ ...(await selfIdentity()), bootId: 'an-earlier-boot' }, 'r-boot');
    expect((await acquire(await selfIdentity(), 'r-new')).tookOver?.runId).toBe('r-boot');
  });

  it('never takes a live holder’s lock', async () => {
    const live = await liveIdentity();
    const held = await acquire(live.id, 'r-live');
    for (let i = 0; i < 5; i++) {
      const r = await tryAcquireLock(lock, { holder: await selfIdentity(), runId: `r-${i}`, slug: 'alpha' });
      expect(r).toMatchObject({ ok: false, holder: { runId: 'r-live', epoch: held.record.epoch } });
    }
  });
});

describe('files next to the lock', () => {
  it('recreates a lock deleted by hand with a higher epoch, from the hint', async () => {
    const me = await selfIdentity();
    for (let i = 1; i <= 3; i++) await releaseLock(lock, (await acquire(me, `r-${i}`)).record);
    await unlink(lock);
    expect(await readLock(lock)).toBeNull();
    expect((await acquire(me, 'r-4')).record.epoch).toBe(4);
  });

  it('treats an unparseable lock as stale', async () => {
    const me = await selfIdentity();
    await releaseLock(lock, (await acquire(me, 'r-1')).record);
    await writeFile(lock, '{"holder": ');
    expect(await readLock(lock)).toBeNull();
    expect(await inspectLock(lock)).toEqual({ record: null, live: false });
    const r = await acquire(me, 'r-2');
    expect(r.record.epoch).toBe(2);
    expect(r.tookOver).toBeNull();
  });

  it('climbs past claims left by killed claimers, and waits for a live one', async () => {
    const me = await selfIdentity();
    const first = await acquire(me, 'r-1');
    await releaseLock(lock, first.record);
    // The released record is version (1, 1). Two claimers of it died mid-acquisition...
    const dead1 = await deadIdentity();
    const dead2 = await deadIdentity();
    const level0 = `${lock}.claim-1.1`;
    await writeFile(level0, JSON.stringify(dead1));
    await writeFile(`${level0}~${dead1.pid}-${dead1.startTime}`, JSON.stringify(dead2));
    // ...and a third is alive and stuck: contenders wait, then give up with BUSY.
    const stuck = await liveIdentity();
    const level2 = `${level0}~${dead1.pid}-${dead1.startTime}~${dead2.pid}-${dead2.startTime}`;
    await writeFile(level2, JSON.stringify(stuck.id));
    const t0 = Date.now();
    await expect(
      tryAcquireLock(lock, { holder: me, runId: 'r-2', slug: null, claimWaitMs: 150 }),
    ).rejects.toMatchObject({
      code: 'BUSY',
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    await endChild(stuck.child);
    const r = await acquire(me, 'r-2');
    expect(r.record.epoch).toBe(2);
    // The winner cleared the claims of the version it replaced.
    expect((await readdir(dir)).filter((n) => n.includes('.claim-'))).toEqual([]);
  });

  it('sweeps temp files of dead writers, and only those', async () => {
    const me = await selfIdentity();
    const dead = await deadIdentity();
    const deadTmp = join(dir, `baton.lock.${dead.pid}-${dead.startTime}.0a1b2c.tmp`);
    const liveTmp = join(dir, `baton.lock.${me.pid}-${me.startTime}.0a1b2c.tmp`);
    await writeFile(deadTmp, 'partial');
    await writeFile(liveTmp, 'partial');
    await acquire(me, 'r-1');
    expect(existsSync(deadTmp)).toBe(false);
    expect(existsSync(liveTmp)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(
      ['baton.lock', 'baton.lock.epoch', `baton.lock.${me.pid}-${me.startTime}.0a1b2c.tmp`].sort(),
    );
  });
});

describe('withRepoLock and acquireLockWaiting', () => {
  it('serialises callers in one process and releases even when fn throws', async () => {
    let inside = 0;
    let maxInside = 0;
    const work = async (i: number) =>
      withRepoLock(lock, async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        await sleep(5);
        inside--;
        if (i === 2) throw new Error('boom');
        return i;
      });
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map(work));
    expect(maxInside).toBe(1);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(await readLock(lock)).toMatchObject({ epoch: 5, released: true });
  });

  it('times out with BUSY naming the holder', async () => {
    const live = await liveIdentity();
    await acquire(live.id, 'r-holder');
    const err = await acquireLockWaiting(lock, {
      holder: await selfIdentity(),
      runId: 'r-w',
      slug: null,
      timeoutMs: 100,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BatonError);
    expect(err).toMatchObject({ code: 'BUSY', exitCode: 3 });
    expect((err as Error).message).toContain(`pid ${live.id.pid} (run r-holder`);
  });
});

describe('races between processes', () => {
  /** Starts `n` race contenders and waits until each has loaded the module. */
  async function racers(n: number) {
    const procs = Array.from({ length: n }, () => start(process.execPath, [contender, 'race']));
    const outputs = procs.map((p) => createInterface({ input: p.stdout! })[Symbol.asyncIterator]());
    await Promise.all(outputs.map(async (o) => expect((await o.next()).value).toBe('ready')));
    return {
      async round(lockPath: string, round: number) {
        for (const p of procs) p.stdin!.write(`go ${lockPath} ${round}\n`);
        return Promise.all(
          outputs.map(async (o) => JSON.parse((await o.next()).value as string) as Record<string, unknown>),
        );
      },
    };
  }

  it('exactly one of 16 processes wins a released, a stale or a missing lock', async () => {
    const race = await racers(16);
    const rounds = 6 * scale;
    for (let round = 0; round < rounds; round++) {
      const roundLock = join(dir, `round-${round}.lock`);
      const kind = (['released', 'stale', 'missing'] as const)[round % 3];
      let before = 0;
      if (kind !== 'missing') {
        const holder = kind === 'stale' ? await deadIdentity() : await selfIdentity();
        const r = await tryAcquireLock(roundLock, { holder, runId: `r-setup-${round}`, slug: null });
        if (!r.ok) throw new Error('setup failed');
        if (kind === 'released') await releaseLock(roundLock, r.record);
        before = r.record.epoch;
      }
      const results = await race.round(roundLock, round);
      const winners = results.filter((r) => r.ok === true);
      expect(results.filter((r) => r.error !== undefined)).toEqual([]);
      expect(winners, `round ${round} (${kind})`).toHaveLength(1);
      const winner = winners[0]!;
      // Usually before + 1; creating a missing lock may skip one (a creator that lost the
      // link() race had already raised the hint). Fencing only needs it to grow.
      expect(winner.epoch).toBeGreaterThan(before);
      if (kind !== 'missing') expect(winner.epoch).toBe(before + 1);
      expect(winner.tookOver).toBe(kind === 'stale' ? before : null);
      // Every loser names the winner: they re-read after losing.
      for (const r of results) expect(r).toMatchObject({ holderPid: winner.pid, epoch: winner.epoch });
      expect(await inspectLock(roundLock)).toMatchObject({
        live: true,
        record: { holder: { pid: winner.pid } },
      });
    }
  });
});

describe('torture: contenders killed at random', () => {
  it('never lets two live processes hold the lock', async () => {
    const n = scale > 1 ? 32 : 16;
    const durationMs = 8000 * scale;
    const marker = join(dir, 'marker');
    const failures = join(dir, 'failures.log');
    const acquisitions = join(dir, 'acquisitions.log');
    await writeFile(failures, '');
    await writeFile(acquisitions, '');
    const spawnOne = () =>
      start(process.execPath, [contender, 'torture', lock, marker, failures, acquisitions, '6']);
    const procs = Array.from({ length: n }, spawnOne);
    let kills = 0;
    const stopAt = Date.now() + durationMs;
    while (Date.now() < stopAt) {
      await sleep(20 + Math.random() * 60);
      // Half the kills hit the current holder (orphaning its marker), half anyone (mid-claim too).
      const holderPid = Math.random() < 0.5 ? (await readLock(lock))?.holder.pid : undefined;
      const at = procs.findIndex((p) => p.pid === holderPid);
      const i = at >= 0 ? at : Math.floor(Math.random() * procs.length);
      await endChild(procs[i]!);
      kills++;
      procs[i] = spawnOne();
      if ((await readFile(failures, 'utf8')) !== '') break;
    }
    await Promise.all(procs.map(endChild));

    expect(await readFile(failures, 'utf8')).toBe('');
    expect(procs.every((p) => p.exitCode !== 99)).toBe(true);
    const lines = (await readFile(acquisitions, 'utf8')).trim().split('\n').filter(Boolean);
    const epochs = lines.map((l) => Number(l.split(' ')[0]));
    // One winner per epoch: a duplicate would mean two processes won the same election.
    expect(new Set(epochs).size).toBe(epochs.length);
    const takeovers = lines.filter((l) => !l.endsWith(' -')).length;
    console.log(
      `torture: ${n} contenders, ${kills} kills, ${lines.length} acquisitions, ${takeovers} takeovers`,
    );
    // Progress, not throughput: a loaded 2-core machine may grant few acquisitions in the time.
    expect(lines.length).toBeGreaterThanOrEqual(3);

    // Whatever the kills left behind, the lock is still usable and its epoch still grows.
    const last = Math.max(...epochs, (await readLock(lock))?.epoch ?? 0);
    const r = await acquireLockWaiting(lock, {
      holder: await selfIdentity(),
      runId: 'r-after',
      slug: null,
      timeoutMs: 5000,
    });
    expect(r.epoch).toBeGreaterThan(last);
  });
});
