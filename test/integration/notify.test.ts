/**
 * Notifications (baton.yaml `notify:`): each transition a person cares about reaches each
 * notifier that wants it exactly once, with the event as JSON on stdin and BATON_* in its
 * environment, whoever records it (the worker, the heartbeat); a filter leaves events out; a
 * notifier that fails is logged once; one that hangs is cut off at its timeout, with what it
 * started, and holds up nothing meanwhile.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fakeAgentsYaml,
  makeRig,
  markedPids,
  processAlive,
  projectRoot,
  spawnBaton,
  type Rig,
} from '../helpers/rig.js';

const notifier = path.join(projectRoot, 'test/fixtures/notifier.mjs');

interface Delivery {
  stdin: Record<string, unknown>;
  env: Record<string, string>;
  args: string[];
  pid: number;
}

let rig: Rig;
let out: string;
beforeEach(async () => {
  rig = await makeRig();
  out = path.join(rig.base, 'notified.jsonl');
});
afterEach(async () => {
  await rig.cleanup();
});

/** baton.yaml with the fake agents, `extra` settings and the test notifier (plus `more` notifiers). */
const config = (extra: string, events: string | null, more = ''): string =>
  fakeAgentsYaml(
    [
      extra,
      'notify:',
      `  - command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(notifier)}, ${JSON.stringify(out)}, "{event}:{slug}:{state}"]`,
      events === null ? '' : `    events: ${events}`,
      more,
    ].join('\n'),
  );

const deliveries = (): Delivery[] =>
  existsSync(out)
    ? readFileSync(out, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Delivery)
    : [];
const of = (slug: string, event?: string): Delivery[] =>
  deliveries().filter((d) => d.stdin.slug === slug && (event === undefined || d.stdin.event === event));
const notifyLog = (): string[] => {
  const f = path.join(rig.root, 'tasks/logs/notify.log');
  return existsSync(f)
    ? readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];
};

/** Live deliverers (dist/cli/notify-main.js) started under this rig. */
const deliverers = (): number[] =>
  markedPids(rig.env.BATON_TEST_MARKER!).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('notify-main.js');
    } catch {
      return false;
    }
  });
/** Waits until every deliverer started so far has ended: nothing more can arrive. */
const settled = (): Promise<boolean> => rig.waitFor('deliverers done', () => deliverers().length === 0);

const stateChange = (slug: string, to: string): Record<string, unknown>[] =>
  rig.history(slug).filter((h) => h.type === 'state_changed' && h.to === to);

const killGroup = (pid: number): void => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
};

describe('notifications from the worker', () => {
  it('tells of a failed run and of an idle one once each, with the event on stdin and in the environment', async () => {
    await rig.writeConfig(config('', null));
    await rig.writeTask('bad', '@fake fail=the tests do not pass', { title: 'Fix the login' });
    await rig.writeTask('good', 'Hi.');
    expect((await rig.baton(['dispatch', 'bad'])).code).toBe(0);
    expect((await rig.baton(['dispatch', 'good'])).code).toBe(0);
    await rig.waitFor('both told', () => of('bad', 'failed').length === 1 && of('good', 'idle').length === 1);
    // A heartbeat after the ends tells nobody again.
    expect((await rig.baton(['watch', '--once'])).code).toBe(0);
    await settled();
    expect(deliveries()).toHaveLength(2);

    const [failed] = of('bad');
    const status = rig.status('bad')!;
    const recorded = stateChange('bad', 'failed');
    expect(recorded).toHaveLength(1);
    expect(failed!.stdin).toEqual({
      event: 'failed',
      slug: 'bad',
      state: 'failed',
      ts: recorded[0]!.ts,
      title: 'Fix the login',
      detail: expect.stringContaining('the tests do not pass'),
      runId: status.runId,
      branch: 'task/bad',
      worktree: status.worktree,
      repo: rig.root,
      by: 'worker',
    });
    expect(failed!.env).toMatchObject({ BATON_EVENT: 'failed', BATON_SLUG: 'bad', BATON_STATE: 'failed' });
    // What baton knows its agents by is not handed on, nor the job itself.
    expect(failed!.env.BATON_RUN_ID).toBeUndefined();
    expect(failed!.env.BATON_NOTIFY_JOB).toBeUndefined();
    expect(failed!.args).toEqual(['failed:bad:failed']);

    const [idle] = of('good');
    expect(idle!.stdin).toMatchObject({
      event: 'idle',
      slug: 'good',
      state: 'idle',
      title: 'good',
      by: 'worker',
    });
    expect(idle!.env).toMatchObject({ BATON_EVENT: 'idle', BATON_SLUG: 'good', BATON_STATE: 'idle' });
    expect(notifyLog()).toEqual([]);
  });

  it('sends a notifier only the events it names, and logs a failing one once while it fails the same way', async () => {
    await rig.writeConfig(
      config('', '[failed]', `  - sh: 'echo "no route to host" >&2; exit 3'\n    events: [idle]`),
    );
    for (const slug of ['one', 'two']) {
      await rig.writeTask(slug, 'Hi.');
      expect((await rig.baton(['dispatch', slug])).code).toBe(0);
      await rig.waitFor(`${slug} idle`, () => rig.isIdle(slug));
      await rig.waitFor(`${slug} told`, () => notifyLog().length > 0);
      await settled();
    }
    expect(deliveries()).toEqual([]); // the first notifier wants only failed
    expect(notifyLog()).toHaveLength(1);
    expect(notifyLog()[0]).toMatch(
      /notify\[1\] \(sh -c .*\) failed on idle of one: sh exited with code 3: no route to host\. Not logged again/,
    );
  });

  it('tells of a stall once, though heartbeats follow', async () => {
    await rig.writeConfig(config('stallSeconds: 2\ninterruptGraceSeconds: 1\nheartbeatSeconds: 3600', null));
    await rig.writeTask('silent', '@fake sleep=30000\n@fake silent');
    expect((await rig.baton(['dispatch', 'silent'])).code).toBe(0);
    await rig.waitFor('told of the stall', () => of('silent', 'stalled').length === 1, 30_000);
    expect((await rig.baton(['watch', '--once'])).code).toBe(0);
    expect((await rig.baton(['watch', '--once'])).code).toBe(0);
    await settled();
    expect(of('silent')).toHaveLength(1);
    expect(of('silent')[0]!.stdin).toMatchObject({
      event: 'stalled',
      state: 'stalled',
      by: 'worker',
      detail: expect.stringContaining('no progress'),
    });
  });
});

describe('notifications from the heartbeat', () => {
  it('tells of a worker killed with -9 once over two heartbeats', async () => {
    await rig.writeConfig(config('heartbeatSeconds: 3600', '[worker_gone]'));
    await rig.writeTask('dies', '@fake sleep=30000\n@fake silent');
    expect((await rig.baton(['dispatch', 'dies'])).code).toBe(0);
    const s = await rig.waitFor('running', () => {
      const st = rig.status('dies');
      return st?.state === 'running' && typeof st.agentPid === 'number' ? st : null;
    });
    process.kill(s.pid as number, 'SIGKILL');
    killGroup(s.agentPid as number);
    await rig.waitFor('worker dead', () => !processAlive(s.pid as number));
    expect((await rig.baton(['watch', '--once'])).code).toBe(0);
    expect((await rig.baton(['watch', '--once'])).code).toBe(0);
    await rig.waitFor('told', () => of('dies').length > 0);
    await settled();
    expect(of('dies')).toHaveLength(1);
    const recorded = stateChange('dies', 'worker_gone');
    expect(recorded).toHaveLength(1);
    expect(of('dies')[0]!.stdin).toMatchObject({
      event: 'worker_gone',
      state: 'worker_gone',
      by: 'heartbeat',
      ts: recorded[0]!.ts,
      runId: s.runId,
      detail: `the worker (pid ${String(s.pid)}) is gone`,
    });
    expect(of('dies')[0]!.env.BATON_EVENT).toBe('worker_gone');
  });

  it('cuts a hanging notifier off at its timeout, with what it started, and a dispatch does not wait for it', async () => {
    const pids = path.join(rig.base, 'hang.pids');
    await rig.writeConfig(
      fakeAgentsYaml(
        [
          'heartbeatSeconds: 1',
          'notify:',
          `  - sh: 'sleep 100 & echo $$ $! > ${pids}; wait'`,
          '    events: [worker_gone]',
          '    timeoutSeconds: 15',
        ].join('\n'),
      ),
    );
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    await rig.writeTask('dies', '@fake sleep=60000\n@fake silent');
    const s = await rig.waitFor('running', () => {
      const st = rig.status('dies');
      return st?.state === 'running' && typeof st.agentPid === 'number' ? st : null;
    });
    process.kill(s.pid as number, 'SIGKILL');
    killGroup(s.agentPid as number);
    const [shPid, sleepPid] = await rig.waitFor('the notifier hangs', () => {
      const text = existsSync(pids) ? readFileSync(pids, 'utf8').trim().split(' ').map(Number) : [];
      return text.length === 2 ? text : null;
    });
    // The watcher goes on: a task dropped now reaches running while the notifier still hangs.
    await rig.writeTask('next', '@fake sleep=60000\n@fake silent');
    await rig.waitFor('next running', () => rig.status('next')?.state === 'running');
    expect(processAlive(shPid!) && processAlive(sleepPid!)).toBe(true);
    // Then it is cut off, the sleep it started with it, and that is logged once.
    await rig.waitFor('cut off', () => !processAlive(shPid!) && !processAlive(sleepPid!), 30_000);
    await rig.waitFor('logged', () => notifyLog().length > 0);
    expect(notifyLog()).toHaveLength(1);
    expect(notifyLog()[0]).toMatch(
      /failed on worker_gone of dies: sh took longer than 15 s and was stopped\./,
    );
  });
});
