/**
 * Refusals that say what is true and point at what works: an unknown task is exit 4 for
 * `history` and `logs` too; every hint names a command that the task's state lets go on; a
 * repository `baton init` never set up is refused by every command that would write into it,
 * and nothing is created; `init` warns when there is no commit to start tasks from; `service
 * install` where no service manager runs says so and prints commands that work there.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRig, spawnBaton, type CliResult, type Rig } from '../helpers/rig.js';

let rig: Rig;
afterEach(async () => {
  await rig.cleanup();
});

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, env: rig.env, encoding: 'utf8' });

/** stderr is `baton: <sentence>` and one indented hint line. */
function refusal(r: CliResult): { sentence: string; hint: string } {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(2);
  expect(lines[0]!.startsWith('baton: ')).toBe(true);
  expect(lines[1]!.startsWith('  ')).toBe(true);
  return { sentence: lines[0]!.slice('baton: '.length), hint: lines[1]!.trim() };
}

/** What a service install leaves under HOME (the compile cache in ~/.cache aside). */
const serviceFiles = (home: string): string[] => readdirSync(home).filter((n) => n !== '.cache');

describe('history and logs of a task with nothing to show', () => {
  beforeEach(async () => {
    rig = await makeRig();
  });

  it('an unknown task is exit 4 with the usual hint; a known one that never ran is one line, exit 0', async () => {
    for (const args of [
      ['history', 'nope'],
      ['history', 'nope', '--json'],
      ['logs', 'nope'],
      ['logs', 'nope', '--raw'],
    ]) {
      const r = await rig.baton(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(4);
      expect(r.stdout).toBe('');
      const { sentence, hint } = refusal(r);
      expect(sentence).toBe('There is no task nope: tasks/nope.md does not exist and it never ran.');
      expect(hint).toContain('baton status');
    }

    await rig.writeTask('sketch', 'Later.', { status: 'draft' });
    const h = await rig.baton(['history', 'sketch']);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toBe(
      'No history for sketch yet: it is a draft; set `status: ready` in tasks/sketch.md, then the watcher (or `baton dispatch sketch`) starts it.\n',
    );
    const l = await rig.baton(['logs', 'sketch']);
    expect(l.code, l.stderr).toBe(0);
    expect(l.stdout).toMatch(/^No log for sketch yet: it is a draft; set `status: ready`/);

    await rig.writeTask('fresh', 'Soon.');
    const hf = await rig.baton(['history', 'fresh']);
    expect(hf.code).toBe(0);
    expect(hf.stdout).toBe(
      'No history for fresh yet: it has not run; a running watcher starts it, or `baton dispatch fresh` does now.\n',
    );
    // --json and --raw keep stdout for data: nothing there.
    const hj = await rig.baton(['history', 'fresh', '--json']);
    expect([hj.code, hj.stdout]).toEqual([0, '']);
    const raw = await rig.baton(['logs', 'fresh', '--raw']);
    expect([raw.code, raw.stdout]).toEqual([0, '']);
    expect(raw.stderr).toContain('No log for fresh yet: it has not run');

    // The line's advice works: dispatch starts it, and then there is a history.
    const d = await rig.baton(['dispatch', 'fresh']);
    expect(d.code, d.stderr).toBe(0);
    await rig.waitFor('fresh idle', () => rig.isIdle('fresh'));
    const after = await rig.baton(['history', 'fresh']);
    expect(after.code).toBe(0);
    expect(after.stdout).not.toContain('No history');
  });
});

describe('hints lead to something that works', () => {
  beforeEach(async () => {
    rig = await makeRig();
  });

  it('continue on a draft says to set status: ready (not to dispatch it); on a ready task that never ran, to dispatch it', async () => {
    await rig.writeTask('sketch', 'Say hello.', { status: 'draft' });
    const c = await rig.baton(['continue', 'sketch']);
    expect(c.code).toBe(1);
    const { hint } = refusal(c);
    expect(hint).toBe(
      'It is a draft: set `status: ready` in tasks/sketch.md; then the watcher starts it, or `baton dispatch sketch` does.',
    );
    // Dispatching the draft as it is is refused; following the whole hint works.
    expect((await rig.baton(['dispatch', 'sketch'])).code).toBe(1);
    await rig.writeTask('sketch', 'Say hello.', { status: 'ready' });
    const c2 = await rig.baton(['continue', 'sketch']);
    expect(c2.code).toBe(1);
    expect(refusal(c2).hint).toBe(
      'It has not run yet: start it with `baton dispatch sketch` (or let the watcher start it).',
    );
    const d = await rig.baton(['dispatch', 'sketch']);
    expect(d.code, d.stderr).toBe(0);
    await rig.waitFor('sketch idle', () => rig.isIdle('sketch'));
    expect((await rig.baton(['continue', 'sketch'])).code).toBe(0);
    await rig.waitFor('sketch idle again', () => rig.isIdle('sketch') && rig.status('sketch')?.runs === 2);
  });

  it('continue on a done task points at a follow-up, which is accepted', async () => {
    await rig.writeTask('shipped', 'Say hello.');
    expect((await rig.baton(['dispatch', 'shipped'])).code).toBe(0);
    await rig.waitFor('shipped idle', () => rig.isIdle('shipped'));
    await rig.writeTask('shipped', 'Say hello.', { status: 'done' });
    const c = await rig.baton(['continue', 'shipped']);
    expect(c.code).toBe(1);
    expect(refusal(c).hint).toContain('`baton followup shipped ...`');
    const f = await rig.baton(['followup', 'shipped', 'One more thing.']);
    expect(f.code, f.stderr).toBe(0);
    await rig.waitFor(
      'the follow-up ran',
      () => rig.status('shipped')?.runs === 2 && rig.status('shipped')?.pid === null,
    );
  });

  it('remove of a running task says to stop it first; stop, then remove, works', async () => {
    await rig.writeTask('busy', '@fake sleep=20000');
    expect((await rig.baton(['dispatch', 'busy'])).code).toBe(0);
    await rig.waitFor('running', () => rig.status('busy')?.state === 'running');
    const r = await rig.baton(['remove', 'busy']);
    expect(r.code).toBe(3);
    const { sentence, hint } = refusal(r);
    expect(sentence).toContain('Task busy already has a live worker');
    expect(hint).toBe(
      'Stop it with `baton stop busy`, then run `baton remove busy` again once `baton status` shows it interrupted.',
    );
    expect(hint).not.toContain('followup');
    expect((await rig.baton(['stop', 'busy'])).code).toBe(0);
    await rig.waitFor(
      'interrupted',
      () => rig.status('busy')?.state === 'interrupted' && rig.status('busy')?.pid === null,
    );
    const again = await rig.baton(['remove', 'busy']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('removed worktree');
  });
});

describe('a repository baton init never set up', () => {
  beforeEach(async () => {
    rig = await makeRig({ init: false });
  });

  /** What git shows of the repository, and what is in its git dir: both must not change. */
  const snapshot = (): { status: string; gitDir: string[] } => ({
    status: git(rig.root, 'status', '--porcelain', '--ignored', '--untracked-files=all'),
    gitDir: readdirSync(path.join(rig.root, '.git')).sort(),
  });

  it('every command that would write there refuses with one sentence, exit 1, and creates nothing', async () => {
    const before = snapshot();
    expect(before.status).toBe('');
    const home = path.join(rig.base, 'home');
    mkdirSync(home);
    const service = {
      HOME: home,
      BATON_SERVICE_MANAGER: 'systemd',
      BATON_SYSTEMCTL: fakeSystemctl('running'),
    };
    const commands = [
      ['watch', '--once'],
      ['watch', '--once', '--json'],
      ['dispatch', 'alpha'],
      ['followup', 'alpha', 'more'],
      ['followup', 'alpha', '--steer', 'more'],
      ['continue', 'alpha'],
      ['stop', 'alpha'],
      ['remove', 'alpha'],
      ['status'],
      ['status', '--json'],
      ['history', 'alpha'],
      ['logs', 'alpha'],
      ['service', 'install'],
    ];
    for (const args of commands) {
      const r = await rig.baton(args, { env: service });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stdout).toBe('');
      const { sentence, hint } = refusal(r);
      expect(sentence).toBe(
        'This repository is not set up for baton (no tasks/ folder): run `baton init` first.',
      );
      expect(hint).toContain('baton init');
    }
    // The long-running watcher refuses the same way, at once.
    const w = spawnBaton(rig, ['watch']);
    expect(await w.exited).toBe(1);
    expect(w.output()).toContain('run `baton init` first');

    expect(snapshot()).toEqual(before);
    expect(existsSync(path.join(rig.root, 'tasks'))).toBe(false);
    expect(serviceFiles(home)).toEqual([]);
  });

  it('doctor and hooks still work there, and init sets it up', async () => {
    const d = await rig.baton(['doctor', '--json']);
    expect(d.code).toBe(1); // it reports what init would make
    expect(d.stdout).toContain('missing-dir');
    const h = await rig.baton(['hooks', 'status']);
    expect(h.stdout).toContain('pre-commit: missing'); // it reports; exit 1 for the missing hooks
    expect(h.stderr).not.toContain('baton init');
    const i = await rig.baton(['init']);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stderr).toBe(''); // the rig's repository has a commit: no warning
    const s = await rig.baton(['status', '--json']);
    expect(s.code, s.stderr).toBe(0);
  });

  it('a baton.yaml alone is not set up: tasks/ is what init makes and every command uses', async () => {
    await rig.writeConfig('maxConcurrent: 2\n');
    const r = await rig.baton(['watch', '--once']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(no tasks/ folder)');
    expect(existsSync(path.join(rig.root, 'tasks'))).toBe(false);
  });
});

describe('init in a repository without commits', () => {
  beforeEach(async () => {
    rig = await makeRig({ init: false });
  });

  it('warns on stderr that no task can start before a first commit, and exits 0', async () => {
    const empty = path.join(rig.base, 'empty');
    mkdirSync(empty);
    git(empty, 'init', '-q', '-b', 'main');
    const r = await rig.baton(['init'], { cwd: empty });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('created tasks/');
    expect(r.stderr).toBe(
      'baton: warning: this repository has no commits yet, so no task can start until it has one: `git commit --allow-empty -m "initial commit"`.\n',
    );
    // Following the warning is enough.
    git(empty, 'commit', '-q', '--allow-empty', '-m', 'initial commit');
    const again = await rig.baton(['init'], { cwd: empty });
    expect(again.stderr).toBe('');
  });
});

/**
 * A fake systemctl: `is-system-running` answers `state` (what a real one says: `offline` where
 * PID 1 is not systemd, `running` where it is); every `--user` call fails as with no user bus.
 */
function fakeSystemctl(state: 'offline' | 'running'): string {
  const dir = path.join(rig.base, `fake-systemctl-${state}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'systemctl');
  writeFileSync(
    file,
    `#!/bin/sh\ncase "$*" in is-system-running) echo ${state}; [ ${state} = running ] && exit 0; exit 1 ;; esac\necho "Failed to connect to bus: No medium found" >&2\nexit 1\n`,
  );
  chmodSync(file, 0o755);
  return file;
}

describe('service install where no service manager runs', () => {
  let home: string;
  beforeEach(async () => {
    rig = await makeRig();
    home = path.join(rig.base, 'home');
    mkdirSync(home);
  });

  it('systemd not running: says so, prints a detached start and, where crontab exists, an @reboot line; writes nothing', async () => {
    // A crontab on PATH (a stub: it is never run), so the @reboot line is offered.
    const bin = path.join(rig.base, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'crontab'), '#!/bin/sh\nexit 1\n');
    chmodSync(path.join(bin, 'crontab'), 0o755);
    const PATH = `${bin}${path.delimiter}${rig.env.PATH ?? ''}`;
    const env = {
      HOME: home,
      BATON_SERVICE_MANAGER: 'systemd',
      BATON_SYSTEMCTL: fakeSystemctl('offline'),
      PATH,
    };
    const r = await rig.baton(['service', 'install'], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'baton: There is no user service manager here (systemd is not running on this machine), so `baton service install` has nothing to install into.',
    );
    expect(lines[1]).toBe('  Run the watcher without one instead.');
    const log = path.join(rig.root, 'tasks/logs/watch.log');
    const now = lines.find((l) => l.includes(' watch >> '));
    expect(now).toMatch(
      new RegExp(`^ {4}\\(cd ${rig.root} && (setsid|nohup) .+ watch >> ${log} 2>&1 < /dev/null &\\)$`),
    );
    const cron = lines.find((l) => l.includes('@reboot'));
    expect(cron).toContain(`@reboot cd ${rig.root} && PATH=`);
    expect(cron).toContain(`watch >> ${log} 2>&1`);
    expect(serviceFiles(home)).toEqual([]);

    // The printed command does start a watcher in this repository.
    execFileSync('sh', ['-c', now!.trim()], { env: { ...rig.env, HOME: home }, cwd: rig.base });
    await rig.waitFor('the watcher writes its heartbeat', () =>
      existsSync(path.join(rig.root, 'tasks/logs/heartbeat.json')),
    );
  });

  it('no systemctl at all: says it is not installed; without crontab no @reboot line', async () => {
    const missing = path.join(rig.base, 'nowhere', 'systemctl');
    const env = {
      HOME: home,
      BATON_SERVICE_MANAGER: 'systemd',
      BATON_SYSTEMCTL: missing,
      PATH: '/usr/bin:/bin',
    };
    const r = await rig.baton(['service', 'install'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`(${missing} is not installed)`);
    expect(r.stderr).toContain(' watch >> ');
    if (!existsSync('/usr/bin/crontab') && !existsSync('/bin/crontab'))
      expect(r.stderr).not.toContain('@reboot');
    expect(serviceFiles(home)).toEqual([]);
  });

  it('systemd running but its user bus unreachable (ssh): the unit is written and the warning says what to run', async () => {
    const env = { HOME: home, BATON_SERVICE_MANAGER: 'systemd', BATON_SYSTEMCTL: fakeSystemctl('running') };
    const r = await rig.baton(['service', 'install'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('could not start it');
    expect(readdirSync(path.join(home, '.config/systemd/user'))).toHaveLength(1);
  });
});
