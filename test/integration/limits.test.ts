/**
 * Issue 15: usage limits. A task whose agent hits its usage limit is parked as `limited` until
 * the reset, the account waits (no other task of that agent starts; other agents go on), and at
 * the reset the same session is resumed, then the others start. Fake agents print the real
 * shapes (test/fixtures/agents/README.md, `limit=<seconds>`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  agentStarts,
  fakeAgentsYaml,
  makeRig,
  spawnBaton,
  type FakeEvent,
  type Rig,
} from '../helpers/rig.js';

const RESET_PROMPT = 'The usage limit has reset; continue where you stopped.';

let rig: Rig;
afterEach(async () => {
  await rig.cleanup();
});

interface TaskJson {
  slug: string;
  state: string;
  retryAt: string | null;
  limitedAgent: string | null;
  waiting: { reason: string; detail: string } | null;
}
const statusOf = async (slug: string): Promise<TaskJson | undefined> => {
  const r = await rig.baton(['status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { tasks: TaskJson[] }).tasks.find((t) => t.slug === slug);
};
/** The reset (ms) the fake agent announced when it hit its limit. */
const limitEvent = (): FakeEvent | undefined => rig.fakeEvents().find((e) => e.event === 'limit');
const heartbeat = (): { limitedAgents?: { agent: string; retryAt: string }[] } => {
  try {
    return JSON.parse(readFileSync(path.join(rig.root, 'tasks/logs/heartbeat.json'), 'utf8')) as {
      limitedAgents?: { agent: string; retryAt: string }[];
    };
  } catch {
    return {};
  }
};

describe('usage limits', () => {
  it('parks the task until the reset, holds its agent, resumes the same session, then starts the others', async () => {
    rig = await makeRig({
      config: fakeAgentsYaml(
        'heartbeatSeconds: 1\nmaxDispatchesPerCycle: 4\nmaxConcurrent: 4\nlimitBufferSeconds: 1',
      ),
    });
    await rig.writeTask('first', '@fake limit=6', { priority: 9 });
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    await rig.waitFor('first to be limited', () => rig.status('first')?.state === 'limited', 30_000);
    const reset = Number(limitEvent()?.reset) * 1000;
    expect(reset).toBeGreaterThan(0);

    // limited, with retryAt = the reset + limitBufferSeconds, and why it was parked.
    const parked = await statusOf('first');
    expect(parked?.state).toBe('limited');
    expect(parked?.limitedAgent).toBe('claude');
    expect(Date.parse(parked?.retryAt ?? '')).toBe(reset + 1000);
    expect(parked?.waiting?.reason).toBe('limited');
    expect(parked?.waiting?.detail).toMatch(/^until \S+ \(claude\)/);
    const hit = rig.history('first').find((e) => e.type === 'limit_hit');
    expect(hit).toMatchObject({ agent: 'claude', how: 'unix', reset: new Date(reset).toISOString() });
    expect(String(hit?.raw)).toContain('Claude AI usage limit reached|');
    const session = rig.status('first')?.sessionId as string;
    expect(session).toBeTruthy();

    // The account waits: a second claude task is not started; a codex task is.
    await rig.writeTask('second', 'Second claude task.');
    await rig.writeTask('other', 'A codex task.', { agent: 'codex' });
    await rig.waitFor('the codex task to start', () => agentStarts(rig, 'other').length === 1, 30_000);
    expect((await statusOf('second'))?.waiting?.reason).toBe('limited');
    await rig.waitFor('heartbeat.json to list claude', () =>
      heartbeat().limitedAgents?.some((a) => a.agent === 'claude'),
    );

    // A follow-up sent while limited is accepted and queued, not run.
    const f = await rig.baton(['followup', 'first', 'Also add a test.']);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toMatch(/queued .*limit/);

    // At the reset: the same session resumes, then the follow-up, then the second task starts.
    await rig.waitFor('second to start', () => agentStarts(rig, 'second').length === 1, 60_000);
    await rig.waitFor('first to finish its follow-up', () => rig.isIdle('first'), 60_000);
    const starts = agentStarts(rig, 'first');
    expect(starts.map((s) => s.prompt)).toEqual(['@fake limit=6', RESET_PROMPT, 'Also add a test.']);
    const resumed = starts[1] as FakeEvent;
    expect(resumed).toMatchObject({ resume: session, resumed: true, sessionId: session });
    expect(starts[2]).toMatchObject({ resume: session, resumed: true });
    expect(resumed.t).toBeGreaterThanOrEqual(reset + 1000);
    const second = agentStarts(rig, 'second')[0] as FakeEvent;
    expect(second.t).toBeGreaterThanOrEqual(resumed.t);
    expect(agentStarts(rig, 'second')).toHaveLength(1);
    await rig.waitFor(
      'claude to be released',
      () => !heartbeat().limitedAgents?.some((a) => a.agent === 'claude'),
    );
  });

  it('a limit hit again by the one try after the reset parks the task again with the new reset', async () => {
    rig = await makeRig({
      config: fakeAgentsYaml('heartbeatSeconds: 1\nmaxDispatchesPerCycle: 4\nlimitBufferSeconds: 1'),
    });
    await rig.writeTask('again', '@fake limit=3\n@fake limit-times=2');
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    await rig.waitFor('again to be limited', () => rig.status('again')?.state === 'limited', 30_000);
    const firstRetry = String(rig.status('again')?.retryAt);
    await rig.writeTask('later', 'Another claude task.');
    const hits = () => rig.history('again').filter((e) => e.type === 'limit_hit');
    await rig.waitFor('the try after the reset to hit it again', () => hits().length === 2, 30_000);
    await rig.waitFor('again to be parked again', () => rig.status('again')?.state === 'limited', 30_000);
    const secondRetry = String(rig.status('again')?.retryAt);
    expect(Date.parse(secondRetry)).toBeGreaterThan(Date.parse(firstRetry));
    expect(hits()[1]?.retryAt).toBe(secondRetry);
    expect(agentStarts(rig, 'later')).toHaveLength(0);
    await rig.waitFor('later to start', () => agentStarts(rig, 'later').length === 1, 60_000);
    await rig.waitFor('again to finish', () => rig.isIdle('again'), 60_000);
    const starts = agentStarts(rig, 'again');
    // One try per reset: the original run, the try that hit it again, the resume that got through.
    expect(starts.map((e) => e.prompt)).toEqual([
      '@fake limit=3\n@fake limit-times=2',
      RESET_PROMPT,
      RESET_PROMPT,
    ]);
    expect((starts[2] as FakeEvent).t).toBeGreaterThanOrEqual(Date.parse(secondRetry));
    expect((starts[2] as FakeEvent).resume).toBe(starts[0]?.sessionId);
    expect((agentStarts(rig, 'later')[0] as FakeEvent).t).toBeGreaterThanOrEqual((starts[2] as FakeEvent).t);
  });

  it('a kill -9 of the watcher while a task is limited keeps the wait and the reset', async () => {
    rig = await makeRig({
      config: fakeAgentsYaml('heartbeatSeconds: 1\nmaxDispatchesPerCycle: 4\nlimitBufferSeconds: 1'),
    });
    await rig.writeTask('parked', '@fake limit=8', { agent: 'codex' });
    const w1 = spawnBaton(rig, ['watch']);
    await w1.waitForLine(/watching/);
    await rig.waitFor('parked to be limited', () => rig.status('parked')?.state === 'limited', 30_000);
    const reset = Number(limitEvent()?.reset) * 1000;
    const hit = rig.history('parked').find((e) => e.type === 'limit_hit');
    expect(hit).toMatchObject({ agent: 'codex', how: 'unix' });
    process.kill(w1.pid, 'SIGKILL');
    await w1.exited;
    await rig.writeTask('next', 'Another codex task.', { agent: 'codex' });

    const w2 = spawnBaton(rig, ['watch']);
    await w2.waitForLine(/watching/);
    expect((await statusOf('parked'))?.state).toBe('limited');
    await rig.waitFor('parked to resume', () => agentStarts(rig, 'parked').length === 2, 60_000);
    await rig.waitFor('next to start', () => agentStarts(rig, 'next').length === 1, 60_000);
    const [first, again] = agentStarts(rig, 'parked') as [FakeEvent, FakeEvent];
    expect(again.t).toBeGreaterThanOrEqual(reset + 1000);
    expect(again).toMatchObject({ resume: first.sessionId, resumed: true, prompt: RESET_PROMPT });
    expect((agentStarts(rig, 'next')[0] as FakeEvent).t).toBeGreaterThanOrEqual(again.t);
  });

  it('baton continue runs a limited task now; doctor explains a limit past its reset with no watcher', async () => {
    rig = await makeRig({
      config: fakeAgentsYaml('heartbeatSeconds: 1\ndispatchTimeoutSeconds: 1\nlimitBufferSeconds: 0'),
    });
    await rig.writeTask('solo', '@fake limit=1');
    const d = await rig.baton(['dispatch', 'solo']);
    expect(d.code, d.stderr).toBe(0);
    await rig.waitFor('solo to be limited', () => rig.status('solo')?.state === 'limited', 30_000);
    const reset = Number(limitEvent()?.reset) * 1000;
    // Past the reset and two heartbeats more, and nothing resumed it.
    await rig.waitFor('the grace to pass', () => Date.now() > reset + 3500, 30_000, 250);
    const doc = await rig.baton(['doctor']);
    expect(doc.stdout + doc.stderr).toMatch(
      /claude's usage limit was due to reset at .*1 limited task \(solo\).*no watcher/,
    );
    const c = await rig.baton(['continue', 'solo']);
    expect(c.code, c.stderr).toBe(0);
    await rig.waitFor('solo to finish', () => rig.isIdle('solo'), 30_000);
    expect(agentStarts(rig, 'solo')).toHaveLength(2);
  });
});
