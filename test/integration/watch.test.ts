/**
 * The watcher (docs/design.md, "The watcher"): reactions to dropped files without waiting for a heartbeat,
 * caps, worker_gone and stall detection with one retry, restart adoption, bad input, and one
 * watcher per repository.
 */
import { existsSync, promises as fs, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fakeAgentsYaml,
  makeRig,
  spawnBaton,
  type Rig,
  processAlive,
  agentStarts,
  type FakeEvent,
} from '../helpers/rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 3600\nretryCooldownSeconds: 1') });
});
afterEach(async () => {
  await rig.cleanup();
});

type Ev = FakeEvent;
const starts = (slug: string): Ev[] => agentStarts(rig, slug);
const state = (slug: string): unknown => rig.status(slug)?.state;
const once = async (): Promise<{ decisions: { kind: string; slug: string; result: string }[] }> => {
  const r = await rig.baton(['watch', '--once', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { decisions: { kind: string; slug: string; result: string }[] };
};
/** SIGKILLs a process group (or one process), tolerating one that is already gone. */
const killGroup = (pid: number, group = true): void => {
  try {
    process.kill(group ? -pid : pid, 'SIGKILL');
  } catch {
    // already gone
  }
};
const alive = processAlive;

describe('reacting to files', () => {
  it('starts a dropped task and delivers a dropped follow-up without waiting for a heartbeat', async () => {
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    await w.waitForLine(/heartbeat|watching/);
    const t0 = Date.now();
    await rig.writeTask('alpha', '@fake sleep=1500');
    await rig.waitFor('agent started', () => starts('alpha').length === 1, 30_000);
    const latency = Date.now() - t0;
    expect(latency).toBeLessThan(10_000); // heartbeat is an hour: only the event can have done it
    await fs.writeFile(path.join(rig.root, 'tasks/alpha.more.followup.md.tmp'), 'Dropped instruction.\n');
    await fs.rename(
      path.join(rig.root, 'tasks/alpha.more.followup.md.tmp'),
      path.join(rig.root, 'tasks/alpha.more.followup.md'),
    );
    await rig.waitFor('follow-up run', () => starts('alpha').length === 2, 30_000);
    const second = starts('alpha')[1]!;
    expect(second.prompt).toBe('Dropped instruction.');
    expect(second.sessionId).toBe(starts('alpha')[0]!.sessionId);
    expect(existsSync(path.join(rig.root, 'tasks/alpha.more.followup.md'))).toBe(false);
    const received = rig.history('alpha').find((h) => h.type === 'followup_received')!;
    expect(received.file).toBe('tasks/alpha.more.followup.md');
    expect(w.output()).not.toMatch(/error/i);
  });

  it('keeps going after every kind of bad input, explains each, keeps every file, and still runs a good task dropped afterwards', async () => {
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    const tasks = path.join(rig.root, 'tasks');
    await rig.writeTask('ok-target', 'Target.', { status: 'draft' });
    await fs.writeFile(path.join(tasks, 'Bad.Name.md'), 'x\n');
    await fs.writeFile(path.join(tasks, 'badyaml.md'), '---\npriority: [\n---\nbody\n');
    await fs.writeFile(path.join(tasks, 'nobody.md'), '---\ntitle: t\n---\n\n');
    await fs.writeFile(path.join(tasks, 'latin.md'), Buffer.from([0x68, 0xe9, 0xff, 0x0a]));
    await fs.writeFile(path.join(tasks, 'huge.md'), 'x'.repeat(1_100_000));
    await fs.writeFile(path.join(rig.base, 'secret.txt'), 'secret\n');
    symlinkSync(path.join(rig.base, 'secret.txt'), path.join(tasks, 'link.md'));
    await fs.writeFile(path.join(tasks, 'ghost.followup.md'), 'to nobody\n');
    await fs.writeFile(path.join(tasks, 'ok-target.followup.md'), 'to a draft\n');
    await rig.writeTask('tgt', 'A ready task.');
    symlinkSync(path.join(rig.base, 'secret.txt'), path.join(tasks, 'tgt.s.followup.md'));
    await rig.writeTask('good', 'Good task.');
    await rig.waitFor('good task ran', () => starts('good').length === 1, 30_000);
    await rig.waitFor(
      'rejections, each renamed and explained',
      () =>
        readdirSync(tasks).filter((n) => n.endsWith('.rejected')).length === 3 &&
        existsSync(path.join(tasks, 'logs/rejected.jsonl')) &&
        readFileSync(path.join(tasks, 'logs/rejected.jsonl'), 'utf8').trim().split('\n').length === 3,
      30_000,
    );
    const left = readdirSync(tasks).sort();
    for (const n of ['Bad.Name.md', 'badyaml.md', 'nobody.md', 'latin.md', 'huge.md', 'link.md'])
      expect(left).toContain(n);
    for (const n of [
      'ghost.followup.md.rejected',
      'ok-target.followup.md.rejected',
      'tgt.s.followup.md.rejected',
    ]) {
      expect(left).toContain(n);
    }
    const rejected = readFileSync(path.join(tasks, 'logs/rejected.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string; reason: string });
    expect(rejected.find((r) => r.file === 'tasks/ghost.followup.md')?.reason).toContain('no task ghost');
    expect(rejected.find((r) => r.file === 'tasks/ok-target.followup.md')?.reason).toContain('draft');
    expect(
      rejected.find((r) => r.file === 'tasks/tgt.s.followup.md')?.reason,
      JSON.stringify(rejected),
    ).toMatch(/symlink/i);
    const st = JSON.parse((await rig.baton(['status', '--json'])).stdout) as {
      tasks: { slug: string | null; file: string; state: string; error: string }[];
      rejected: unknown[];
    };
    const invalid = st.tasks
      .filter((t) => t.state === 'invalid')
      .map((t) => t.file)
      .sort();
    expect(invalid).toEqual([
      'tasks/Bad.Name.md',
      'tasks/badyaml.md',
      'tasks/huge.md',
      'tasks/latin.md',
      'tasks/link.md',
      'tasks/nobody.md',
    ]);
    expect(st.tasks.find((t) => t.file === 'tasks/Bad.Name.md')?.slug).toBeNull();
    expect(st.rejected).toHaveLength(3);
    expect(alive(w.pid)).toBe(true);
    // Fixing a task file in place clears it.
    await fs.writeFile(path.join(tasks, 'nobody.md'), '---\ntitle: t\n---\nNow with a body.\n');
    await rig.waitFor('fixed task runs', () => starts('nobody').length === 1, 30_000);
  });
});

describe('heartbeat cycles', () => {
  it('respects maxDispatchesPerCycle and maxConcurrent, highest priority first', async () => {
    await rig.writeConfig(fakeAgentsYaml('maxDispatchesPerCycle: 2\nmaxConcurrent: 3'));
    const prios: Record<string, number> = { p1: 1, p5: 5, p3: 3, p9: 9, p0: 0 };
    for (const [slug, priority] of Object.entries(prios))
      await rig.writeTask(slug, '@fake sleep=30000\n@fake silent', { priority });
    const first = (await once()).decisions.filter((d) => d.kind === 'dispatch');
    expect(first.map((d) => d.slug)).toEqual(['p9', 'p5']);
    const second = (await once()).decisions.filter((d) => d.kind === 'dispatch');
    expect(second.map((d) => d.slug)).toEqual(['p3']);
    const third = (await once()).decisions.filter((d) => d.kind === 'dispatch');
    expect(third).toEqual([]);
    const hb = JSON.parse(readFileSync(path.join(rig.root, 'tasks/logs/heartbeat.json'), 'utf8')) as {
      running: number;
      tasks: unknown[];
    };
    expect(hb.running).toBe(3);
    expect(hb.tasks).toHaveLength(5);
  });

  it('finds a kill -9ed worker within one cycle, retries it once after the cooldown by continuing its session, and never a failed task', async () => {
    // A cooldown longer than a CLI start on a loaded machine, so the second cycle is surely early.
    await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 3600\nretryCooldownSeconds: 4'));
    // sticky: the automatic retry (baton's own continue prompt) works as long, so it can die again.
    await rig.writeTask('dies', '@fake sleep=30000\n@fake silent\n@fake sticky');
    await rig.writeTask('fails', '@fake fail=nope');
    expect((await rig.baton(['dispatch', 'dies'])).code).toBe(0);
    expect((await rig.baton(['dispatch', 'fails'])).code).toBe(0);
    const s = await rig.waitFor('running with session', () => {
      const st = rig.status('dies');
      return st?.state === 'running' && st.sessionId && typeof st.agentPid === 'number' ? st : null;
    });
    await rig.waitFor('fails failed', () => state('fails') === 'failed');
    process.kill(s.pid as number, 'SIGKILL');
    killGroup(s.agentPid as number);
    await rig.waitFor('worker dead', () => !alive(s.pid as number));
    const c1 = await once();
    expect(c1.decisions.find((d) => d.slug === 'dies')?.kind).toBe('mark');
    expect(state('dies')).toBe('worker_gone');
    const retryAt = Date.parse(String(rig.status('dies')!.retryAt));
    expect(retryAt).toBeGreaterThan(Date.now() - 1000);
    const c2 = await once();
    let retry = c2.decisions.find((d) => d.slug === 'dies' && d.kind === 'retry');
    // A loaded machine may reach the second cycle after the cooldown; whichever cycle retried, the
    // retry's own record says it came no earlier than retryAt.
    if (!retry) {
      await rig.waitFor('cooldown over', () => Date.now() > retryAt + 50);
      retry = (await once()).decisions.find((d) => d.slug === 'dies' && d.kind === 'retry');
    }
    expect(retry?.result).toMatch(/^started/);
    const dispatches = rig.history('dies').filter((e) => e.type === 'task_dispatched');
    expect(dispatches).toHaveLength(2);
    expect(Date.parse(String(dispatches[1]!.ts))).toBeGreaterThanOrEqual(retryAt);
    await rig.waitFor('retried run started', () => starts('dies').length === 2);
    const retried = starts('dies')[1]!;
    expect(retried.resumed).toBe(true);
    expect(retried.sessionId).toBe(s.sessionId);
    expect(rig.status('dies')!.autoRetries).toBe(1);
    // It dies again: marked, but no second automatic retry.
    const s2 = await rig
      .waitFor('running again', () => (rig.status('dies')?.state === 'running' ? rig.status('dies') : null))
      .catch((e: unknown) => {
        throw new Error(
          `${String(e)}\nstatus: ${JSON.stringify(rig.status('dies'))}\nhistory: ${JSON.stringify(rig.history('dies'))}`,
        );
      });
    killGroup(s2.pid as number, false);
    killGroup(s2.agentPid as number);
    await rig.waitFor('worker dead again', () => !alive(s2.pid as number));
    await once();
    expect(state('dies')).toBe('worker_gone');
    expect(rig.status('dies')!.retryAt).toBeNull();
    await new Promise((r) => setTimeout(r, 4100));
    const c5 = await once();
    expect(c5.decisions.filter((d) => d.kind === 'retry')).toEqual([]);
    expect(starts('dies')).toHaveLength(2);
    expect(starts('fails')).toHaveLength(1);
  });

  it('interrupts a silent agent and one that only prints retry errors after stallSeconds, retries each once, and leaves a slow steady one alone', async () => {
    await rig.writeConfig(
      fakeAgentsYaml(
        'stallSeconds: 3\nretryCooldownSeconds: 0.2\nheartbeatSeconds: 3600\ninterruptGraceSeconds: 1',
      ),
    );
    await rig.writeTask('silent', '@fake sleep=30000\n@fake silent');
    await rig.writeTask('spammy', '@fake spam-errors', { agent: 'codex' });
    await rig.writeTask('steady', '@fake sleep=6000\n@fake tick=400');
    await rig.writeTask('toucher', '@fake sleep=6000\n@fake silent\n@fake tick=400\n@fake touch=work.txt');
    for (const slug of ['silent', 'spammy', 'steady', 'toucher'])
      expect((await rig.baton(['dispatch', slug])).code).toBe(0);
    for (const slug of ['silent', 'spammy']) {
      await rig.waitFor(
        `${slug} stalled`,
        () => state(slug) === 'stalled' && rig.status(slug)!.pid === null,
        20_000,
      );
      expect(rig.status(slug)!.retryAt).not.toBeNull();
      expect(rig.history(slug).some((h) => h.type === 'stalled')).toBe(true);
    }
    await rig.waitFor('steady done', () => state('steady') === 'idle', 30_000);
    await rig.waitFor('toucher done', () => state('toucher') === 'idle', 30_000);
    expect(rig.history('steady').some((h) => h.type === 'stalled' || h.type === 'interrupt_sent')).toBe(
      false,
    );
    expect(rig.history('toucher').some((h) => h.type === 'stalled' || h.type === 'interrupt_sent')).toBe(
      false,
    );
    const c = await once();
    expect(
      c.decisions
        .filter((d) => d.kind === 'retry')
        .map((d) => d.slug)
        .sort(),
    ).toEqual(['silent', 'spammy']);
    await rig.waitFor(
      'retries started',
      () => starts('silent').length === 2 && starts('spammy').length === 2,
    );
    expect(starts('silent')[1]!.resumed).toBe(true);
  });
});

describe('reconcile', () => {
  it('flags a task branch checked out at the wrong path even with hooks bypassed, in status and heartbeat.json', async () => {
    await rig.writeTask('placed', 'Hi.');
    expect((await rig.baton(['dispatch', 'placed'])).code).toBe(0);
    await rig.waitFor('idle', () => state('placed') === 'idle' && rig.status('placed')?.pid === null);
    const { execFileSync } = await import('node:child_process');
    const wt = path.join(rig.worktreesDir, 'placed');
    execFileSync('git', ['-c', 'core.hooksPath=/dev/null', 'worktree', 'remove', '--force', wt], {
      cwd: rig.root,
    });
    const elsewhere = path.join(rig.base, 'elsewhere');
    execFileSync('git', ['-c', 'core.hooksPath=/dev/null', 'worktree', 'add', elsewhere, 'task/placed'], {
      cwd: rig.root,
      stdio: 'ignore',
    });
    const st = JSON.parse((await rig.baton(['status', '--json'])).stdout) as { problems: string[] };
    expect(st.problems).toHaveLength(1);
    expect(st.problems[0]).toContain('task/placed');
    expect(st.problems[0]).toContain(elsewhere);
    await once();
    const hb = JSON.parse(readFileSync(path.join(rig.root, 'tasks/logs/heartbeat.json'), 'utf8')) as {
      problems: string[];
    };
    expect(hb.problems[0]).toContain('task/placed');
  });
});

describe('one watcher, and restarts', () => {
  it('a second watcher and watch --once exit 3 naming the first', async () => {
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    const second = await rig.baton(['watch']);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`pid ${w.pid}`);
    const o = await rig.baton(['watch', '--once']);
    expect(o.code).toBe(3);
  });

  it('after kill -9 of the watcher, a new one adopts the live worker and runs a follow-up dropped while none watched, once', async () => {
    const w1 = spawnBaton(rig, ['watch']);
    await w1.waitForLine(/watching/);
    await rig.writeTask('adopt', '@fake sleep=6000');
    await rig.waitFor('agent started', () => starts('adopt').length === 1, 30_000);
    process.kill(w1.pid, 'SIGKILL');
    await w1.exited;
    await fs.writeFile(path.join(rig.root, 'tasks/adopt.followup.md'), 'While nobody watched.\n');
    const w2 = spawnBaton(rig, ['watch']);
    await w2.waitForLine(/watching/);
    await rig.waitFor(
      'follow-up ran',
      () => starts('adopt').length === 2 && state('adopt') === 'idle',
      20_000,
    );
    expect(starts('adopt').map((e) => e.prompt)).toEqual(['@fake sleep=6000', 'While nobody watched.']);
    const runIds = new Set(starts('adopt').map((e) => (e.env as Record<string, string>).BATON_RUN_ID));
    expect(runIds.size).toBe(1); // the first worker was adopted and ran it, no second worker
    // SIGTERM stops the watcher cleanly.
    process.kill(w2.pid, 'SIGTERM');
    expect(await w2.exited).toBe(0);
  });

  it('stopping the watcher never stops a worker', async () => {
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    await rig.writeTask('keep', '@fake sleep=2500');
    const st = await rig.waitFor(
      'running',
      () => (rig.status('keep')?.state === 'running' ? rig.status('keep') : null),
      10_000,
    );
    process.kill(w.pid, 'SIGTERM');
    await w.exited;
    expect(alive(st.pid as number)).toBe(true);
    await rig.waitFor('finished anyway', () => state('keep') === 'idle', 30_000);
  });
});
