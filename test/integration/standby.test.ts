/**
 * The watcher's warm standby worker (src/launch/standby.ts): a drop is served by a worker that was
 * started before the drop, a new standby replaces it, an idle standby holds no lock and counts
 * as no worker, and it never outlives its watcher (SIGTERM or kill -9).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  agentStarts,
  fakeAgentsYaml,
  makeRig,
  processAlive,
  spawnBaton,
  workersOf,
  type Rig,
} from '../helpers/rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 3600') });
});
afterEach(async () => {
  await rig.cleanup();
});

/** The idle standbys of the watcher `parent`. */
const standbysOf = (parent: number): number[] => workersOf(parent, { idleOnly: true });

/** The pid every baton lock in the repository names (task locks and the watcher's). */
function lockHolders(): number[] {
  const gitDir = path.join(rig.root, '.git');
  const locks = [path.join(gitDir, 'baton-watch.lock')];
  const wts = path.join(gitDir, 'worktrees');
  for (const id of readdirSync(wts, { withFileTypes: true }).filter((d) => d.isDirectory()))
    locks.push(path.join(wts, id.name, 'baton.lock'));
  return locks.flatMap((f) => {
    try {
      return [(JSON.parse(readFileSync(f, 'utf8')) as { holder: { pid: number } }).holder.pid];
    } catch {
      return [];
    }
  });
}

async function idleTask(slug: string): Promise<void> {
  await rig.writeTask(slug, '@fake sleep=0');
  const r = await rig.baton(['dispatch', slug]);
  expect(r.code, r.stderr).toBe(0);
  await rig.waitFor(
    `${slug} idle`,
    () => rig.status(slug)?.state === 'idle' && rig.status(slug)?.pid === null,
  );
}

describe('the standby worker', () => {
  it('serves a drop with a worker started before it, is replaced, and holds nothing while idle', async () => {
    await idleTask('sb');
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    const [standby] = await rig.waitFor('a standby', () => {
      const s = standbysOf(w.pid);
      return s.length === 1 ? s : null;
    });
    // Idle: no lock names it, status counts no worker, doctor sees no problem.
    expect(lockHolders()).not.toContain(standby);
    const status = JSON.parse((await rig.baton(['status', '--json'])).stdout) as {
      tasks: { slug: string; pid: number | null; state: string }[];
    };
    expect(status.tasks.map((t) => [t.slug, t.pid, t.state])).toEqual([['sb', null, 'idle']]);
    expect((await rig.baton(['doctor'])).code).toBe(0);

    const file = path.join(rig.root, 'tasks', 'sb.one.followup.md');
    await fs.writeFile(`${file}.tmp`, 'served by the standby\n');
    await fs.rename(`${file}.tmp`, file);
    await rig.waitFor('the agent of the drop', () => agentStarts(rig, 'sb').length === 2);
    const dispatched = rig.history('sb').filter((h) => h.type === 'task_dispatched');
    expect(dispatched.at(-1)?.pid).toBe(standby);
    expect(
      rig
        .history('sb')
        .filter((h) => h.type === 'worker_started')
        .at(-1)?.pid,
    ).toBe(standby);
    const next = await rig.waitFor('a new standby', () => {
      const s = standbysOf(w.pid).filter((p) => p !== standby);
      return s.length === 1 ? s : null;
    });
    expect(next).not.toContain(standby);
    await rig.waitFor('sb idle', () => rig.status('sb')?.state === 'idle' && rig.status('sb')?.pid === null);
    // The worker the standby became has ended, releasing its lock; the new standby holds none.
    await rig.waitFor('the used standby to exit', () => !processAlive(standby!));
    expect(lockHolders()).not.toContain(next[0]);
  });

  it('ends with its watcher on SIGTERM', async () => {
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    const [standby] = await rig.waitFor('a standby', () => {
      const s = standbysOf(w.pid);
      return s.length === 1 ? s : null;
    });
    process.kill(w.pid, 'SIGTERM');
    expect(await w.exited).toBe(0);
    // dispose waits for it before the watcher exits
    expect(processAlive(standby!)).toBe(false);
  });

  it('ends when its watcher is killed -9 (its stdin closes without an assignment)', async () => {
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    const [standby] = await rig.waitFor('a standby', () => {
      const s = standbysOf(w.pid);
      return s.length === 1 ? s : null;
    });
    process.kill(w.pid, 'SIGKILL');
    await w.exited;
    await rig.waitFor('the standby to exit', () => !processAlive(standby!), 15_000);
  });

  it('a task dropped while the watcher runs starts on the standby too, and maxConcurrent ignores it', async () => {
    await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 3600\nmaxConcurrent: 1'));
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    const [standby] = await rig.waitFor('a standby', () => {
      const s = standbysOf(w.pid);
      return s.length === 1 ? s : null;
    });
    await rig.writeTask('fresh', '@fake sleep=0');
    await rig.waitFor('the agent of fresh', () => agentStarts(rig, 'fresh').length === 1);
    expect(rig.history('fresh').find((h) => h.type === 'task_dispatched')?.pid).toBe(standby);
  });
});
