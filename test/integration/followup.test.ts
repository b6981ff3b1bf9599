/**
 * Follow-ups and continuation end to end (docs/design.md, "Follow-ups reach an agent exactly once"): queue, steer, interrupt, stop,
 * continue, the session fallback, durability across kill -9, and the no-stranded race.
 */
import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeAgentsYaml, makeRig, type Rig, agentStarts, type FakeEvent } from '../helpers/rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig({
    config: fakeAgentsYaml(
      [
        `  live: { preset: claude, liveInput: true, bin: ${JSON.stringify(path.resolve('test/fixtures/agents/fake-claude.mjs'))} }`,
        'interruptGraceSeconds: 1',
      ].join('\n'),
    ),
  });
});
afterEach(async () => {
  await rig.cleanup();
});

type Ev = FakeEvent;
const events = (): Ev[] => rig.fakeEvents() as Ev[];
const starts = (slug: string): Ev[] => agentStarts(rig, slug);
const settled = (slug: string) => () => {
  const s = rig.status(slug);
  if (!s || s.pid !== null || !['idle', 'failed', 'interrupted'].includes(String(s.state))) return null;
  const inbox = path.join(rig.root, 'tasks/logs/inbox', slug);
  const pending = existsSync(inbox) ? readdirSync(inbox).filter((n) => !n.startsWith('.')) : [];
  return pending.length === 0 ? s : null;
};

/** Asserts that no two agent processes of `slug` were alive at the same time. */
function assertNoOverlap(slug: string): void {
  const byPid = new Map<number, { start: number; end: number }>();
  for (const e of events()) {
    if ((e.event === 'start' && (e.env as Record<string, string>).BATON_SLUG === slug) || byPid.has(e.pid)) {
      const span = byPid.get(e.pid) ?? { start: e.t, end: Number.POSITIVE_INFINITY };
      if (e.event === 'end') span.end = e.t;
      byPid.set(e.pid, span);
    }
  }
  const spans = [...byPid.values()].sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
}

describe('queue', () => {
  it('runs follow-ups sent during a run after it, in order, one run each, resuming the same session in the same cwd', async () => {
    await rig.writeTask('alpha', '@fake sleep=12000');
    expect((await rig.baton(['dispatch', 'alpha'])).code).toBe(0);
    await rig.waitFor('running', () => rig.status('alpha')?.state === 'running');
    for (const [i, text] of ['second', 'third', 'fourth'].entries()) {
      const r = await rig.baton(['followup', 'alpha', text]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`queued as #${i + 1} for alpha (runs after the current run)\n`);
    }
    await rig.waitFor('all four runs', () => starts('alpha').length === 4 && settled('alpha')());
    const s = starts('alpha');
    expect(s.map((e) => e.prompt)).toEqual(['@fake sleep=12000', 'second', 'third', 'fourth']);
    const session = s[0]!.sessionId;
    for (const e of s.slice(1)) {
      expect(e.resumed).toBe(true);
      expect(e.sessionId).toBe(session);
      expect(e.cwd).toBe(s[0]!.cwd);
    }
    assertNoOverlap('alpha');
    const runIds = new Set(s.map((e) => (e.env as Record<string, string>).BATON_RUN_ID));
    expect(runIds.size).toBe(1); // one worker chained them all under one lock
    const received = rig.history('alpha').filter((h) => h.type === 'followup_received');
    expect(received.map((h) => h.body)).toEqual(['second', 'third', 'fourth']);
  });

  it('starts a worker for a follow-up to an idle task, resuming its session', async () => {
    await rig.writeTask('beta', 'First.');
    await rig.baton(['dispatch', 'beta']);
    const first = await rig.waitFor('idle', settled('beta'));
    const r = await rig.baton(['followup', 'beta', '--file', '-'], { input: 'From a file.\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^accepted as #1; starting a worker for beta \(pid \d+\)\n$/);
    await rig.waitFor('second run', () => starts('beta').length === 2 && settled('beta')());
    const second = starts('beta')[1]!;
    expect(second.prompt).toBe('From a file.');
    expect(second.sessionId).toBe(first.sessionId);
    expect(existsSync(path.join(rig.root, 'tasks'))).toBe(true);
    expect(readdirSync(path.join(rig.root, 'tasks')).filter((n) => n.includes('followup'))).toEqual([]);
  });

  it('runs a follow-up to a task that never ran after the task prompt', async () => {
    await rig.writeTask('gamma', 'The task.');
    expect((await rig.baton(['followup', 'gamma', 'Then this.'])).code).toBe(0);
    await rig.waitFor('two runs', () => starts('gamma').length === 2 && settled('gamma')());
    expect(starts('gamma').map((e) => e.prompt)).toEqual(['The task.', 'Then this.']);
  });

  it('joins waiting follow-ups into one prompt with batchFollowups', async () => {
    await rig.writeConfig(fakeAgentsYaml('batchFollowups: true'));
    await rig.writeTask('batch', '@fake sleep=12000');
    await rig.baton(['dispatch', 'batch']);
    await rig.waitFor('running', () => rig.status('batch')?.state === 'running');
    await rig.baton(['followup', 'batch', 'one']);
    await rig.baton(['followup', 'batch', 'two']);
    await rig.waitFor('two runs', () => starts('batch').length === 2 && settled('batch')());
    const joined = String(starts('batch')[1]!.prompt);
    expect(joined).toContain('one');
    expect(joined.indexOf('one')).toBeLessThan(joined.indexOf('two'));
  });
});

describe('interrupt and stop', () => {
  it('interrupts a cooperative agent with SIGINT and continues its session with the follow-up', async () => {
    await rig.writeTask('int', '@fake sleep=20000');
    await rig.baton(['dispatch', 'int']);
    await rig.waitFor(
      'running with session',
      () => rig.status('int')?.state === 'running' && rig.status('int')?.sessionId,
    );
    const r = await rig.baton(['followup', 'int', '--interrupt', 'Stop that; do this.']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("accepted as #1: interrupting int's agent; this runs next in the same session\n");
    await rig.waitFor('resumed run', () => starts('int').length === 2 && settled('int')());
    const [first, second] = starts('int');
    const signals = events()
      .filter((e) => e.event === 'signal' && e.pid === first!.pid)
      .map((e) => e.signal);
    expect(signals).toEqual(['SIGINT']);
    expect(second!.prompt).toBe('Stop that; do this.');
    expect(second!.resumed).toBe(true);
    expect(second!.sessionId).toBe(first!.sessionId);
    assertNoOverlap('int');
    expect(
      rig
        .history('int')
        .filter((h) => h.type === 'interrupt_sent')
        .map((h) => h.signal),
    ).toEqual(['SIGINT']);
    expect(rig.status('int')!.state).toBe('idle');
  });

  it('escalates to SIGTERM when the agent ignores SIGINT, and puts the interrupt ahead of older queued follow-ups', async () => {
    await rig.writeTask('stubborn', '@fake sleep=20000\n@fake ignore-sigint');
    await rig.baton(['dispatch', 'stubborn']);
    await rig.waitFor(
      'running with session',
      () => rig.status('stubborn')?.sessionId && rig.status('stubborn')?.state === 'running',
    );
    await rig.baton(['followup', 'stubborn', 'queued earlier']);
    await rig.baton(['followup', 'stubborn', '--interrupt', 'urgent']);
    await rig.waitFor('three runs', () => starts('stubborn').length === 3 && settled('stubborn')());
    const [first, second, third] = starts('stubborn');
    const signals = events()
      .filter((e) => e.event === 'signal' && e.pid === first!.pid)
      .map((e) => e.signal);
    expect(signals).toEqual(['SIGINT', 'SIGTERM']);
    expect(second!.prompt).toBe('urgent');
    expect(third!.prompt).toBe('queued earlier');
    assertNoOverlap('stubborn');
  });

  it('stop interrupts without a follow-up: interrupted, worktree kept, queued follow-ups wait for continue', async () => {
    await rig.writeTask('halt', '@fake sleep=20000');
    await rig.baton(['dispatch', 'halt']);
    await rig.waitFor(
      'running with session',
      () => rig.status('halt')?.sessionId && rig.status('halt')?.state === 'running',
    );
    await rig.baton(['followup', 'halt', 'later']);
    const r = await rig.baton(['stop', 'halt']);
    expect(r.code, r.stderr).toBe(0);
    const s = await rig.waitFor('interrupted', () =>
      rig.status('halt')?.state === 'interrupted' && rig.status('halt')?.pid === null
        ? rig.status('halt')
        : null,
    );
    expect(s.pendingFollowups).toBe(1);
    expect(existsSync(path.join(rig.worktreesDir, 'halt'))).toBe(true);
    expect(starts('halt')).toHaveLength(1);
    const c = await rig.baton(['continue', 'halt', 'go on']);
    expect(c.code, c.stderr).toBe(0);
    await rig.waitFor('continued and drained', () => starts('halt').length === 3 && settled('halt')());
    expect(
      starts('halt')
        .slice(1)
        .map((e) => e.prompt),
    ).toEqual(['go on', 'later']);
    expect(starts('halt')[1]!.sessionId).toBe(starts('halt')[0]!.sessionId);
  });
});

describe('control items', () => {
  it('a stop meant for a run that has ended does not stop the next run, and is dropped', async () => {
    await rig.writeTask('stale', 'Run me.');
    const inbox = path.join(rig.root, 'tasks/logs/inbox/stale');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(inbox, { recursive: true });
    writeFileSync(
      path.join(inbox, '0000000000001-deadbeef.stop.md'),
      JSON.stringify({ reason: 'old', runId: 'gone-run' }),
    );
    expect((await rig.baton(['dispatch', 'stale'])).code).toBe(0);
    const s = await rig.waitFor('settled', settled('stale'));
    expect(s.state).toBe('idle');
    expect(starts('stale')).toHaveLength(1);
    expect(readdirSync(inbox)).toEqual([]);
  });

  it('SIGTERM to a worker interrupts its agent and ends in order: interrupted, lock released', async () => {
    await rig.writeTask('term', '@fake sleep=20000');
    await rig.baton(['dispatch', 'term']);
    const st = await rig.waitFor('running', () =>
      rig.status('term')?.state === 'running' ? rig.status('term') : null,
    );
    // Once the agent is up (its own signal handlers installed), not merely spawned.
    await rig.waitFor('agent started', () => starts('term').length === 1);
    process.kill(st.pid as number, 'SIGTERM');
    const end = await rig.waitFor('interrupted', () =>
      rig.status('term')?.state === 'interrupted' && rig.status('term')?.pid === null
        ? rig.status('term')
        : null,
    );
    expect(end.agentPid).toBeNull();
    await rig.waitFor('lock released', () => rig.history('term').some((h) => h.type === 'lock_released'));
    expect(
      events()
        .filter((e) => e.event === 'signal' && e.pid === starts('term')[0]!.pid)
        .map((e) => e.signal)[0],
    ).toBe('SIGINT');
  });
});

describe('steer', () => {
  it('writes a steer message into a live-input agent while it runs', async () => {
    await rig.writeTask('steer', '@fake sleep=2500', { agent: 'live' });
    await rig.baton(['dispatch', 'steer']);
    await rig.waitFor('running', () => rig.status('steer')?.state === 'running');
    const r = await rig.baton(['followup', 'steer', '--steer', 'Also check the docs.']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("steered as #1 into steer's running session\n");
    await rig.waitFor('settled', settled('steer'));
    const first = starts('steer')[0]!;
    const got = events().filter((e) => e.event === 'stdin' && e.pid === first.pid);
    expect(got.map((e) => e.text)).toContain('Also check the docs.');
    const end = events().find((e) => e.event === 'end' && e.pid === first.pid)!;
    expect(got[0]!.t).toBeLessThanOrEqual(end.t);
    expect(starts('steer')).toHaveLength(1); // delivered live: no second run
    const sent = rig.history('steer').find((h) => h.type === 'steer_sent');
    expect(sent?.delivered).toBe('live');
  });

  it('queues a steer for an agent without live input, and history says so', async () => {
    // Long enough that the steer arrives while the run is still going, even on a loaded machine.
    await rig.writeTask('nosteer', '@fake sleep=6000', { agent: 'codex' });
    await rig.baton(['dispatch', 'nosteer']);
    await rig.waitFor('running', () => rig.status('nosteer')?.state === 'running');
    const r = await rig.baton(['followup', 'nosteer', '--steer', 'Steer me.']);
    expect(r.stdout).toBe(
      "queued as #1: nosteer's agent (codex) takes no live input, so it runs after the current run\n",
    );
    expect(r.stdout + r.stderr).not.toContain('accepted (steer)');
    await rig.waitFor('second run', () => starts('nosteer').length === 2 && settled('nosteer')());
    expect(starts('nosteer')[1]!.prompt).toBe('Steer me.');
    const prompt = rig.history('nosteer').filter((h) => h.type === 'prompt_sent')[1]!;
    expect(prompt.modes).toEqual(['steer']);
    expect(prompt.delivery).toBe('queued');
  });
});

describe('continuation', () => {
  it('continue resumes a failed task with TEXT, or with an instruction to continue', async () => {
    await rig.writeTask('fix', '@fake fail=tests broke');
    await rig.baton(['dispatch', 'fix']);
    const failed = await rig.waitFor('failed', settled('fix'));
    expect(failed.state).toBe('failed');
    expect((await rig.baton(['continue', 'fix', 'Fix the tests.'])).code).toBe(0);
    await rig.waitFor('second', () => starts('fix').length === 2 && settled('fix')());
    expect(starts('fix')[1]!.prompt).toBe('Fix the tests.');
    expect(starts('fix')[1]!.sessionId).toBe(failed.sessionId);
    expect((await rig.baton(['continue', 'fix'])).code).toBe(0);
    await rig.waitFor('third', () => starts('fix').length === 3 && settled('fix')());
    expect(String(starts('fix')[2]!.prompt)).toContain('Continue the task');
    expect(rig.status('fix')!.state).toBe('idle');
  });

  it('continue refuses a running task (exit 3) and a task that never ran', async () => {
    await rig.writeTask('busy', '@fake sleep=3000');
    await rig.baton(['dispatch', 'busy']);
    await rig.waitFor('running', () => rig.status('busy')?.state === 'running');
    const r = await rig.baton(['continue', 'busy']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('baton followup busy');
    await rig.writeTask('never', 'x');
    const n = await rig.baton(['continue', 'never']);
    expect(n.code).toBe(1);
    expect(n.stderr).toContain('baton dispatch never');
  });

  it('falls back to a new session carrying the task and every earlier prompt when the session is gone', async () => {
    await rig.writeTask('lost', 'The original task.');
    await rig.baton(['dispatch', 'lost']);
    const first = await rig.waitFor('idle', settled('lost'));
    await rig.baton(['followup', 'lost', 'An earlier instruction.']);
    await rig.waitFor('second', () => starts('lost').length === 2 && settled('lost')());
    // The agent's own session store loses it (as when resuming from another machine).
    const { rmSync } = await import('node:fs');
    rmSync(path.join(rig.env.FAKE_AGENT_HOME!, 'sessions'), { recursive: true, force: true });
    await rig.baton(['continue', 'lost', 'Now this.']);
    await rig.waitFor('fallback run', () => starts('lost').length === 4 && settled('lost')());
    const [, , refused, fresh] = starts('lost');
    expect(refused!.resume).toBe(first.sessionId); // the agent was asked to resume, and said no
    expect(fresh!.resumed).toBe(false);
    const prompt = String(fresh!.prompt);
    expect(prompt).toContain('The original task.');
    expect(prompt).toContain('An earlier instruction.');
    expect(prompt).toContain('Now this.');
    expect(rig.history('lost').some((h) => h.type === 'session_fallback')).toBe(true);
    expect(rig.status('lost')!.state).toBe('idle');
    expect(rig.status('lost')!.sessionId).toBe(fresh!.sessionId);
  });
});

describe('durability', () => {
  it('runs a follow-up accepted before the worker was killed -9 exactly once, on continue', async () => {
    await rig.writeTask('crash', '@fake sleep=20000\n@fake silent');
    await rig.baton(['dispatch', 'crash']);
    const s = await rig.waitFor('running with session', () => {
      const st = rig.status('crash');
      return st?.state === 'running' && st.sessionId && typeof st.agentPid === 'number' ? st : null;
    });
    expect((await rig.baton(['followup', 'crash', 'Survive this.'])).code).toBe(0);
    process.kill(s.pid as number, 'SIGKILL');
    process.kill(-(s.agentPid as number), 'SIGKILL');
    const st = await rig.waitFor('worker_gone', async () => {
      const j = JSON.parse((await rig.baton(['status', '--json'])).stdout) as {
        tasks: { slug: string; state: string; pendingFollowups: number }[];
      };
      const t = j.tasks.find((x) => x.slug === 'crash');
      return t?.state === 'worker_gone' ? t : null;
    });
    expect(st.pendingFollowups).toBe(1);
    expect((await rig.baton(['continue', 'crash'])).code).toBe(0);
    await rig.waitFor('drained', () => starts('crash').length === 3 && settled('crash')());
    expect(starts('crash').filter((e) => e.prompt === 'Survive this.')).toHaveLength(1);
  });

  it('never strands a follow-up that lands while the worker is finishing (many trials)', async () => {
    const trials = Number(process.env.BATON_HEAVY ? 40 : 6);
    for (let i = 0; i < trials; i++) {
      const slug = `race-${i}`;
      await rig.writeTask(slug, '@fake sleep=0');
      await rig.baton(['dispatch', slug]);
      // Land the follow-up at a different moment of the worker's end each trial.
      await new Promise((r) => setTimeout(r, (i * 37) % 300));
      const r = await rig.baton(['followup', slug, `follow ${i}`]);
      expect(r.code, r.stderr).toBe(0);
    }
    for (let i = 0; i < trials; i++) {
      const slug = `race-${i}`;
      await rig.waitFor(`${slug} drained`, () => starts(slug).length >= 2 && settled(slug)(), 60_000);
      expect(starts(slug).map((e) => e.prompt)).toEqual(['@fake sleep=0', `follow ${i}`]);
      assertNoOverlap(slug);
    }
  });
});

describe('bad follow-ups', () => {
  it('refuses a follow-up to an unknown task (exit 4), to a draft task, and an empty one, without leaving drops behind', async () => {
    expect((await rig.baton(['followup', 'ghost', 'hi'])).code).toBe(4);
    await rig.writeTask('draft', 'x', { status: 'draft' });
    const d = await rig.baton(['followup', 'draft', 'hi']);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain('draft');
    await rig.writeTask('ok', 'x');
    const e = await rig.baton(['followup', 'ok', '   ']);
    expect(e.code).toBe(2);
    expect(readdirSync(path.join(rig.root, 'tasks')).filter((n) => n.includes('followup'))).toEqual([]);
  });
});
