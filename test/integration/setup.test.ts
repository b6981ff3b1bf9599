/**
 * Worktree setup, teardown and port blocks end to end (docs/reference.md, "Configuration":
 * `setup`, `teardown`, `ports`): files copied safely, commands run once in order with their
 * output in the task's log, a failing or hanging setup fails the task before its agent starts,
 * `continue` runs it again, disjoint port blocks, teardown on remove.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentStarts, fakeAgentsYaml, makeRig, processAlive, type Rig } from '../helpers/rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig();
});
afterEach(async () => {
  await rig.cleanup();
});

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, env: rig.env, encoding: 'utf8' });
const worktree = (slug: string): string => path.join(rig.worktreesDir, slug);
const logOf = (slug: string): string =>
  readFileSync(path.join(rig.root, 'tasks/logs', `dispatch-${slug}.log`), 'utf8');
const types = (slug: string): unknown[] => rig.history(slug).map((h) => h.type);
const q = (s: string): string => JSON.stringify(s);

async function dispatchTo(slug: string, state: string): Promise<Record<string, unknown>> {
  const r = await rig.baton(['dispatch', slug]);
  expect(r.code, r.stderr).toBe(0);
  return rig.waitFor(`${slug} ${state}`, () => {
    const s = rig.status(slug);
    return s?.state === state && s.pid === null ? s : null;
  });
}

describe('worktree setup', () => {
  it('copies untracked files safely, runs the commands once in order, gives disjoint ports, and tears down on remove', async () => {
    const order = path.join(rig.base, 'order-alpha.txt');
    const torn = path.join(rig.base, 'teardown.txt');
    // A tracked file the main worktree has changed, an ignored local config, an untracked .env,
    // and a symlink leading out of the repository.
    await fs.writeFile(path.join(rig.root, 'settings.json'), '{"tracked": true}\n');
    await fs.writeFile(path.join(rig.root, '.gitignore'), 'config/*.local.json\n');
    git(rig.root, 'add', 'settings.json', '.gitignore');
    git(rig.root, 'commit', '-q', '-m', 'settings');
    await fs.writeFile(path.join(rig.root, 'settings.json'), '{"changed": "in main only"}\n');
    await fs.writeFile(path.join(rig.root, '.env'), 'SECRET=1\n');
    await fs.mkdir(path.join(rig.root, 'config'));
    await fs.writeFile(path.join(rig.root, 'config/db.local.json'), '{"db": "local"}\n');
    await fs.writeFile(path.join(rig.base, 'outside.txt'), 'not yours\n');
    await fs.symlink(path.join(rig.base, 'outside.txt'), path.join(rig.root, 'linked.env'));
    await rig.writeConfig(
      fakeAgentsYaml(
        [
          'setup:',
          '  copy: [.env, "config/*.local.json", settings.json, linked.env]',
          '  run:',
          `    - {sh: ${q(`echo setup-one-output; echo one >> ${rig.base}/order-$BATON_SLUG.txt`)}}`,
          `    - [sh, -c, ${q(`echo setup-two port=$BATON_PORT count=$BATON_PORT_COUNT slug=$BATON_SLUG; echo two >> ${rig.base}/order-$BATON_SLUG.txt`)}]`,
          'teardown:',
          `  run: [{sh: ${q(`echo down $BATON_SLUG $BATON_PORT >> ${torn}`)}}]`,
        ].join('\n'),
      ),
    );
    await rig.writeTask('alpha', 'Say hello.');
    const s = await dispatchTo('alpha', 'idle');

    const wt = worktree('alpha');
    expect(readFileSync(path.join(wt, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(readFileSync(path.join(wt, 'config/db.local.json'), 'utf8')).toBe('{"db": "local"}\n');
    expect(readFileSync(path.join(wt, 'settings.json'), 'utf8')).toBe('{"tracked": true}\n');
    expect(existsSync(path.join(wt, 'linked.env'))).toBe(false);
    const porcelain = git(wt, 'status', '--porcelain', '--ignored').split('\n');
    expect(porcelain).toContain('?? .env');
    expect(porcelain).toContain('!! config/');
    expect(porcelain.some((l) => l.includes('settings.json'))).toBe(false);

    expect(readFileSync(order, 'utf8')).toBe('one\ntwo\n');
    const log = logOf('alpha');
    expect(log).toMatch(
      /setup-one-output[\s\S]*setup-two port=20000 count=10 slug=alpha[\s\S]*=== baton run /,
    );
    expect(log).toContain('setup.copy: skipped linked.env: it leads out of the repository');
    expect(log).toContain('setup.copy: skipped settings.json: the worktree tracks it');
    const t = types('alpha');
    expect(t.indexOf('setup_started')).toBeLessThan(t.indexOf('setup_done'));
    expect(t.indexOf('setup_done')).toBeLessThan(t.indexOf('run_started'));
    expect(s.ports).toEqual({ base: 20000, count: 10 });
    const env = agentStarts(rig, 'alpha')[0]?.env as Record<string, string>;
    expect([env.BATON_PORT, env.BATON_PORT_COUNT]).toEqual(['20000', '10']);

    // Once per worktree: a second worker in the same worktree does not run it again.
    const c = await rig.baton(['continue', 'alpha']);
    expect(c.code, c.stderr).toBe(0);
    await rig.waitFor('second run', () => agentStarts(rig, 'alpha').length === 2 && rig.isIdle('alpha'));
    expect(readFileSync(order, 'utf8')).toBe('one\ntwo\n');

    // A second live worktree gets the next block.
    await rig.writeTask('beta', 'Say hello too.');
    expect((await dispatchTo('beta', 'idle')).ports).toEqual({ base: 20010, count: 10 });
    const status = JSON.parse((await rig.baton(['status', '--json'])).stdout) as {
      tasks: { slug: string; ports: unknown }[];
    };
    expect(status.tasks.map((x) => x.ports)).toEqual([
      { base: 20000, count: 10 },
      { base: 20010, count: 10 },
    ]);

    // Teardown runs on remove, with the worktree's own ports; the freed block is handed out again.
    const r = await rig.baton(['remove', 'alpha', '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ran teardown: 1 command');
    expect(readFileSync(torn, 'utf8')).toBe('down alpha 20000\n');
    expect(types('alpha')).toContain('teardown_done');
    expect(rig.status('alpha')?.ports).toBeNull();
    await rig.writeTask('gamma', 'Say hello three.');
    expect((await dispatchTo('gamma', 'idle')).ports).toEqual({ base: 20000, count: 10 });

    // A worktree made again is set up again.
    await dispatchTo('alpha', 'idle');
    expect(readFileSync(order, 'utf8')).toBe('one\ntwo\none\ntwo\n');
  });

  it('fails the task without starting the agent when a command fails, and continue runs the setup again', async () => {
    const ok = path.join(rig.base, 'ok');
    await rig.writeConfig(
      fakeAgentsYaml(`setup:\n  run: [{sh: ${q(`echo checking; test -f ${ok} || exit 3`)}}]`),
    );
    await rig.writeTask('alpha', 'Say hello.');
    const s = await dispatchTo('alpha', 'failed');
    expect(s.error).toBe(
      'setup command `sh -c "echo checking; test -f ' +
        ok +
        ' || exit 3"` exited with code 3; its output is in tasks/logs/dispatch-alpha.log',
    );
    expect(agentStarts(rig, 'alpha')).toEqual([]);
    expect(types('alpha')).not.toContain('run_started');
    expect(rig.history('alpha').find((h) => h.type === 'setup_failed')).toMatchObject({ exitCode: 3 });
    expect(logOf('alpha')).toContain('checking');

    await fs.writeFile(ok, '');
    const c = await rig.baton(['continue', 'alpha']);
    expect(c.code, c.stderr).toBe(0);
    await rig.waitFor(
      'the agent after setup',
      () => agentStarts(rig, 'alpha').length === 1 && rig.isIdle('alpha'),
    );
    expect(types('alpha').filter((x) => x === 'setup_started')).toHaveLength(2);
    expect(types('alpha')).toContain('setup_done');
  });

  it('kills a hanging command with its process group at its timeout', async () => {
    const pidFile = path.join(rig.base, 'child.pid');
    await rig.writeConfig(
      fakeAgentsYaml(
        `setup:\n  timeoutSeconds: 1\n  run: [{sh: ${q(`sleep 300 & echo $! > ${pidFile}; wait`)}}]`,
      ),
    );
    await rig.writeTask('alpha', 'Say hello.');
    const s = await dispatchTo('alpha', 'failed');
    expect(s.error).toContain('ran longer than 1 s and was killed with its process group');
    const child = Number(readFileSync(pidFile, 'utf8').trim());
    await rig.waitFor('the sleeping child to be gone', () => !processAlive(child));
    expect(agentStarts(rig, 'alpha')).toEqual([]);
    expect(rig.history('alpha').find((h) => h.type === 'setup_failed')).toMatchObject({ timedOut: true });
  });

  it('a failing teardown keeps the worktree on a plain remove and only warns on a forced one', async () => {
    await rig.writeConfig(fakeAgentsYaml('teardown:\n  run: [[sh, -c, "echo no; exit 4"]]'));
    await rig.writeTask('alpha', 'Say hello.');
    await dispatchTo('alpha', 'idle');
    const plain = await rig.baton(['remove', 'alpha']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('teardown command `sh -c "echo no; exit 4"` exited with code 4');
    expect(existsSync(worktree('alpha'))).toBe(true);
    const forced = await rig.baton(['remove', 'alpha', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('warning: teardown failed');
    expect(existsSync(worktree('alpha'))).toBe(false);
    expect(
      rig
        .history('alpha')
        .filter((h) => h.type === 'teardown_failed')
        .map((h) => h.force),
    ).toEqual([false, true]);
  });

  it('a task overrides setup in its front matter', async () => {
    const marker = path.join(rig.base, 'ran');
    await rig.writeConfig(fakeAgentsYaml(`setup:\n  run: [{sh: "exit 9"}]`));
    await rig.writeTask('alpha', 'Say hello.', { setup: { run: [{ sh: `touch ${marker}` }] } });
    await dispatchTo('alpha', 'idle');
    expect(existsSync(marker)).toBe(true);
  });
});
