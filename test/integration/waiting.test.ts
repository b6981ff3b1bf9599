/**
 * Issue 14: nothing waits without saying why, and one bad task never starves the others.
 * Through the CLI as a user runs it, with a real watcher and fake agents.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentStarts, fakeAgentsYaml, makeRig, spawnBaton, type Rig } from '../helpers/rig.js';

let rig: Rig;
afterEach(async () => {
  await rig.cleanup();
});

interface StatusJson {
  watcher: { pid: number; since: string } | null;
  drops: number;
  tasks: {
    slug: string;
    state: string;
    error: string | null;
    waiting: { reason: string; detail: string } | null;
  }[];
}
const statusJson = async (): Promise<StatusJson> => {
  const r = await rig.baton(['status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as StatusJson;
};
const taskOf = (s: StatusJson, slug: string) => s.tasks.find((t) => t.slug === slug);

describe('why a task waits', () => {
  it('with no watcher, a ready task and status say so, with the command to start one', async () => {
    rig = await makeRig();
    await rig.writeTask('alpha', 'Do it.');
    const s = await statusJson();
    expect(s.watcher).toBeNull();
    expect(taskOf(s, 'alpha')?.waiting?.reason).toBe('no_watcher');
    expect(taskOf(s, 'alpha')?.waiting?.detail).toContain('`baton watch`');
    const text = await rig.baton(['status']);
    expect(text.stdout).toMatch(/^watcher: none running/m);
  });

  it('an unknown agent is a persistent error that never spends the dispatch a valid task needs', async () => {
    rig = await makeRig({
      config: fakeAgentsYaml('heartbeatSeconds: 1\nmaxDispatchesPerCycle: 1\nmaxConcurrent: 4'),
    });
    // Written before the watcher starts: the bad one first in priority order.
    await rig.writeTask('bad', 'Never runs.', { agent: 'claud', priority: 9 });
    await rig.writeTask('good', '@fake sleep=20000');
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    await rig.waitFor('good to start', () => agentStarts(rig, 'good').length === 1, 30_000);
    const s = await statusJson();
    expect(s.watcher?.pid).toBe(w.pid);
    const bad = taskOf(s, 'bad');
    expect(bad?.state).toBe('ready');
    expect(bad?.error).toContain('claud');
    expect(bad?.waiting?.reason).toBe('dispatch_failed');
    // Two more heartbeats later the failure was still tried once, not once per cycle.
    const beat = (): string => {
      try {
        return (
          JSON.parse(readFileSync(path.join(rig.root, 'tasks/logs/heartbeat.json'), 'utf8')) as { ts: string }
        ).ts;
      } catch {
        return '';
      }
    };
    for (let i = 0; i < 2; i++) {
      const before = beat();
      await rig.waitFor('the next heartbeat', () => beat() !== before, 30_000);
    }
    const tries = w
      .output()
      .split('\n')
      .filter((l) => /bad: dispatch: failed/.test(l));
    expect(tries, w.output()).toHaveLength(1);
    // Fixing the file clears it: the next look dispatches it.
    await rig.writeTask('bad', '@fake sleep=20000', { agent: 'claude', priority: 9 });
    await rig.waitFor('the fixed task to start', () => agentStarts(rig, 'bad').length === 1, 30_000);
    expect(taskOf(await statusJson(), 'bad')?.error ?? null).toBeNull();
  });

  it('three tasks waiting when the watcher starts all start at once, within the free slots', async () => {
    rig = await makeRig({
      config: fakeAgentsYaml('heartbeatSeconds: 3600\nmaxDispatchesPerCycle: 1\nmaxConcurrent: 4'),
    });
    for (const slug of ['one', 'two', 'three']) await rig.writeTask(slug, '@fake sleep=20000');
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    const t0 = Date.now();
    await rig.waitFor(
      'all three to start',
      () => ['one', 'two', 'three'].every((s) => agentStarts(rig, s).length === 1),
      30_000,
    );
    // One heartbeat is an hour here: only the first cycle can have started them.
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
