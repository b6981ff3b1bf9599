/**
 * `baton dispatch` end to end: a real temp repository, the built CLI, detached workers and fake
 * agents that speak Claude's and Codex's real output shapes.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeAgentsYaml, makeRig, type Rig, processAlive } from '../helpers/rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig();
});
afterEach(async () => {
  await rig.cleanup();
});

const idleOrFailed = (slug: string) => () => {
  const s = rig.status(slug);
  return s && (s.state === 'idle' || s.state === 'failed') && s.pid === null ? s : null;
};

function lockFile(slug: string): string {
  const gitFile = readFileSync(path.join(rig.worktreesDir, slug, '.git'), 'utf8');
  return path.join(gitFile.replace(/^gitdir: /, '').trim(), 'baton.lock');
}

const alive = processAlive;

describe('init', () => {
  it('creates tasks/, ignores tasks/logs/, writes baton.yaml once, and is idempotent', async () => {
    const fresh = await makeRig({ init: false });
    try {
      const first = await fresh.baton(['init']);
      expect(first.code).toBe(0);
      expect(existsSync(path.join(fresh.root, 'tasks/logs'))).toBe(true);
      expect(readFileSync(path.join(fresh.root, '.gitignore'), 'utf8')).toContain('tasks/logs/');
      const yaml = readFileSync(path.join(fresh.root, 'baton.yaml'), 'utf8');
      expect(yaml).toContain('maxConcurrent');
      const second = await fresh.baton(['init']);
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('nothing to do');
      expect(readFileSync(path.join(fresh.root, 'baton.yaml'), 'utf8')).toBe(yaml);
      expect(readFileSync(path.join(fresh.root, '.gitignore'), 'utf8').match(/tasks\/logs\//g)).toHaveLength(
        1,
      );
    } finally {
      await fresh.cleanup();
    }
  });
});

describe('dispatch', () => {
  it('runs the agent once in its own worktree on task/<slug>, with the BATON_* environment', async () => {
    await rig.writeTask('alpha', 'Say hello.', { title: 'Hello' });
    const r = await rig.baton(['dispatch', 'alpha']);
    expect(r.stderr).toContain('dispatched');
    expect(r.code).toBe(0);
    const runId = r.stdout.trim();
    expect(runId).toMatch(/^[a-z0-9]+-[0-9a-f]{6}$/);
    const s = await rig.waitFor('alpha to finish', idleOrFailed('alpha'));
    expect(s.state).toBe('idle');
    expect(s.runId).toBe(runId);
    expect(s.branch).toBe('task/alpha');
    // Status says idle before the worker, its last act, releases the lock.
    await rig.waitFor('the worker to release the lock', () =>
      rig.history('alpha').some((h) => h.type === 'lock_released'),
    );
    const wt = realpathSync(path.join(rig.worktreesDir, 'alpha'));
    expect(s.worktree).toBe(wt);
    expect(execFileSync('git', ['-C', wt, 'branch', '--show-current'], { encoding: 'utf8' }).trim()).toBe(
      'task/alpha',
    );
    const starts = rig.fakeEvents().filter((e) => e.event === 'start');
    expect(starts).toHaveLength(1);
    const start = starts[0]!;
    expect(start.cwd).toBe(wt);
    const env = start.env as Record<string, string>;
    expect(env.BATON_SLUG).toBe('alpha');
    expect(env.BATON_RUN_ID).toBe(runId);
    expect(env.BATON_WORKTREE).toBe(wt);
    expect(readFileSync(env.BATON_PROMPT_FILE!, 'utf8')).toBe('Say hello.');
    expect(env.BATON_PROMPT_FILE!.startsWith(path.join(rig.root, 'tasks/logs/prompts'))).toBe(true);
    expect(env.BATON_HISTORY_FILE).toBe(path.join(rig.root, 'tasks/logs/dispatch-alpha.history.jsonl'));
    expect(s.sessionId).toBe(start.sessionId);
    const types = rig.history('alpha').map((h) => h.type);
    for (const t of [
      'task_dispatched',
      'prompt_sent',
      'run_started',
      'session_captured',
      'run_exited',
      'lock_released',
    ]) {
      expect(types).toContain(t);
    }
    expect(types.indexOf('prompt_sent')).toBeLessThan(types.indexOf('run_started'));
    expect(types.indexOf('run_exited')).toBeLessThan(types.indexOf('lock_released'));
    const lock = JSON.parse(readFileSync(lockFile('alpha'), 'utf8')) as { released: boolean; epoch: number };
    expect(lock.released).toBe(true);
    expect(lock.epoch).toBe(1);
    const log = readFileSync(path.join(rig.root, 'tasks/logs/dispatch-alpha.log'), 'utf8');
    expect(log).toContain(`=== baton run ${runId} #1`);
    expect(log).toContain('"type":"result"');
  });

  it('lets exactly one of 16 concurrent dispatches win, the rest exit 3 naming the holder', async () => {
    const rounds = process.env.BATON_HEAVY
      ? ['race-a', 'race-b', 'race-c', 'race-d', 'race-e']
      : ['race-a', 'race-b'];
    for (const slug of rounds) {
      await rig.writeTask(slug, '@fake sleep=8000'); // outlives the whole race, even on a loaded machine
      const results = await Promise.all(Array.from({ length: 16 }, () => rig.baton(['dispatch', slug])));
      const winners = results.filter((r) => r.code === 0);
      const busy = results.filter((r) => r.code === 3);
      expect(winners, results.map((r) => `${r.code} ${r.stderr}`).join('\n')).toHaveLength(1);
      expect(
        busy,
        results
          .filter((r) => r.code !== 3)
          .map((r) => `${r.code} ${r.stderr}`)
          .join('\n'),
      ).toHaveLength(15);
      for (const b of busy)
        expect(b.stderr).toMatch(/already has a live worker: pid \d+ \(run [a-z0-9-]+, since /);
      await rig.waitFor(`${slug} to finish`, idleOrFailed(slug));
      const starts = rig
        .fakeEvents()
        .filter((e) => e.event === 'start' && (e.env as Record<string, string>).BATON_SLUG === slug);
      expect(starts).toHaveLength(1);
      expect((starts[0]!.env as Record<string, string>).BATON_RUN_ID).toBe(winners[0]!.stdout.trim());
    }
  });

  it('continues the recorded session on a second dispatch, and starts over with --fresh', async () => {
    await rig.writeTask('beta', 'First.');
    expect((await rig.baton(['dispatch', 'beta'])).code).toBe(0);
    const first = await rig.waitFor('first run', idleOrFailed('beta'));
    expect((await rig.baton(['dispatch', 'beta'])).code).toBe(0);
    await rig.waitFor('second run', () => rig.fakeEvents().filter((e) => e.event === 'end').length === 2);
    await rig.waitFor('idle again', idleOrFailed('beta'));
    const starts = rig.fakeEvents().filter((e) => e.event === 'start');
    expect(starts[1]!.resumed).toBe(true);
    expect(starts[1]!.sessionId).toBe(first.sessionId);
    expect(rig.status('beta')!.sessionId).toBe(first.sessionId);
    expect((await rig.baton(['dispatch', 'beta', '--fresh'])).code).toBe(0);
    await rig.waitFor('third run', () => rig.fakeEvents().filter((e) => e.event === 'end').length === 3);
    const s = await rig.waitFor('idle after fresh', idleOrFailed('beta'));
    const third = rig.fakeEvents().filter((e) => e.event === 'start')[2]!;
    expect(third.resumed).toBe(false);
    expect(third.prompt).toBe('First.');
    expect(s.sessionId).not.toBe(first.sessionId);
  });

  it('refuses at once to dispatch an agent that is not installed, starting nothing', async () => {
    await rig.writeConfig(fakeAgentsYaml('  ghost: { preset: claude, bin: /nonexistent/claude }'));
    await rig.writeTask('ghost', 'Hi.', { agent: 'ghost' });
    const r = await rig.baton(['dispatch', 'ghost']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The ghost agent's command "/nonexistent/claude" does not exist.`);
    expect(r.stderr).toContain('agents.ghost.bin');
    expect(rig.status('ghost')).toBeNull();
    expect(existsSync(path.join(rig.worktreesDir, 'ghost'))).toBe(false);
  });

  it("reads the outcome from the agent's events: a non-zero exit, a signal, and Claude's is_error with subtype success", async () => {
    await rig.writeTask('exit3', '@fake exit=3', { agent: 'cmd' }); // a command agent's outcome is its exit code
    await rig.writeTask('killed', '@fake sleep=200\n@fake die=SIGKILL');
    await rig.writeTask('nologin', '@fake not-logged-in');
    await rig.writeTask('codexfail', '@fake fail=model refused', { agent: 'codex' });
    for (const slug of ['exit3', 'killed', 'nologin', 'codexfail'])
      expect((await rig.baton(['dispatch', slug])).code).toBe(0);
    const exit3 = await rig.waitFor('exit3', idleOrFailed('exit3'));
    expect(exit3.state).toBe('failed');
    expect(exit3.lastExitCode).toBe(3);
    const killed = await rig.waitFor('killed', idleOrFailed('killed'));
    expect(killed.state).toBe('failed');
    expect(String(killed.error)).toContain('SIGKILL');
    const nologin = await rig.waitFor('nologin', idleOrFailed('nologin'));
    expect(nologin.state).toBe('failed');
    expect(nologin.error).toBe('Not logged in · Please run /login');
    expect(nologin.sessionId).toMatch(/[0-9a-f-]{36}/);
    const codexfail = await rig.waitFor('codexfail', idleOrFailed('codexfail'));
    expect(codexfail.state).toBe('failed');
    expect(String(codexfail.error)).toContain('model refused');
  });

  it('shows a SIGKILLed worker as worker_gone; the next dispatch takes the stale lock over and ends the orphaned agent', async () => {
    await rig.writeTask('gone', '@fake sleep=30000\n@fake silent');
    const r = await rig.baton(['dispatch', 'gone']);
    expect(r.code).toBe(0);
    const running = await rig.waitFor('agent running with its session', () => {
      const s = rig.status('gone');
      return s?.state === 'running' && typeof s.agentPid === 'number' && s.sessionId ? s : null;
    });
    const workerPid = running.pid as number;
    const agentPid = running.agentPid as number;
    // The lock names the agent once the worker has recorded it.
    await rig.waitFor(
      'agent in lock',
      () => JSON.parse(readFileSync(lockFile('gone'), 'utf8')).agent?.pid === agentPid,
    );
    process.kill(workerPid, 'SIGKILL');
    await rig.waitFor('worker dead', () => !alive(workerPid));
    const st = await rig.baton(['status', '--json']);
    const task = (
      JSON.parse(st.stdout) as { tasks: { slug: string; state: string; pid: unknown }[] }
    ).tasks.find((t) => t.slug === 'gone');
    expect(task?.state).toBe('worker_gone');
    expect(task?.pid).toBeNull();
    await rig.writeTask('gone', 'Carry on.');
    const again = await rig.baton(['dispatch', 'gone']);
    expect(again.code, again.stderr).toBe(0);
    expect(alive(agentPid)).toBe(false);
    const taken = rig.history('gone').find((h) => h.type === 'lock_taken_over');
    expect(taken).toBeDefined();
    expect((taken!.from as { pid: number }).pid).toBe(workerPid);
    const lock = JSON.parse(readFileSync(lockFile('gone'), 'utf8')) as { epoch: number };
    expect(lock.epoch).toBe(2);
    await rig.waitFor('continued run finished', idleOrFailed('gone')).catch((e: unknown) => {
      throw new Error(
        `${String(e)}\n${JSON.stringify(rig.status('gone'))}\n${rig
          .history('gone')
          .map((h) => JSON.stringify(h))
          .join('\n')}`,
      );
    });
  });
});

describe('errors a user meets', () => {
  it('unknown task exits 4, bad slug exits 2, invalid task file exits 1 naming file and line', async () => {
    const unknown = await rig.baton(['dispatch', 'nope']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('tasks/nope.md does not exist');
    const bad = await rig.baton(['dispatch', 'Bad.Slug']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not a valid slug');
    await rig.writeTask('broken', 'Body.', { priority: 'high' });
    const broken = await rig.baton(['dispatch', 'broken']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/tasks\/broken\.md:\d+: .*priority/);
    expect(broken.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const st = JSON.parse((await rig.baton(['status', '--json'])).stdout) as {
      tasks: Record<string, unknown>[];
    };
    const row = st.tasks.find((t) => t.slug === 'broken');
    expect(row?.state).toBe('invalid');
    expect(String(row?.error)).toContain('priority');
  });

  it('a bad config names the file, the key, what was expected and what was found', async () => {
    await rig.writeConfig('maxConcurrent: many\n');
    await rig.writeTask('alpha', 'Hi.');
    const r = await rig.baton(['dispatch', 'alpha']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('baton.yaml');
    expect(r.stderr).toContain('maxConcurrent');
    expect(r.stderr).toContain('many');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('usage errors exit 2: an unknown command, a missing argument, conflicting options', async () => {
    expect((await rig.baton(['bogus'])).code).toBe(2);
    expect((await rig.baton(['dispatch'])).code).toBe(2);
    await rig.writeTask('u', 'x');
    expect((await rig.baton(['followup', 'u', '--steer', '--interrupt', 'x'])).code).toBe(2);
    const help = await rig.baton(['dispatch', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--fresh');
  });

  it('a draft task is not dispatched, and says how to make it ready', async () => {
    await rig.writeTask('later', 'Not yet.', { status: 'draft' });
    const r = await rig.baton(['dispatch', 'later']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('status: ready');
  });
});
