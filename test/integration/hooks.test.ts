/**
 * The git hooks (docs/design.md, "Git hooks in task worktrees") in real repositories: one branch, one worktree, one writer.
 * Every rule refuses with an explanation and yields to `--no-verify` and `BATON_ALLOW=1`; the
 * worker's own agent commits freely; hooks that were there keep running; a hook that cannot
 * reach baton never blocks git.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeAgentsYaml, makeRig, type Rig } from '../helpers/rig.js';

let rig: Rig;
const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.cleanup();
});

/** A rig after `baton init` (the hooks in .git/hooks), as `rig`. */
async function initRig(): Promise<Rig> {
  rig = await makeRig();
  rigs.push(rig);
  return rig;
}

/** A rig before `baton init`, to set up hooks first. */
async function freshRig(): Promise<Rig> {
  const r = await makeRig({ init: false });
  rigs.push(r);
  return r;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git as a person in another terminal would: no BATON_RUN_ID, no BATON_ALLOW. */
function git(r: Rig, cwd: string, args: string[], env: Record<string, string> = {}): Run {
  const base = { ...r.env };
  delete base.BATON_ALLOW;
  const p = spawnSync('git', args, { cwd, env: { ...base, ...env }, encoding: 'utf8' });
  return { code: p.status ?? 1, stdout: p.stdout, stderr: p.stderr };
}

const commit = (
  r: Rig,
  cwd: string,
  msg: string,
  more: string[] = [],
  env: Record<string, string> = {},
): Run => git(r, cwd, ['commit', '--allow-empty', '-q', '-m', msg, ...more], env);

function subjects(r: Rig, ref: string): string[] {
  return git(r, r.root, ['log', '--format=%s', ref]).stdout.trim().split('\n');
}

/** Every file in `dir` with its mode and bytes (symlinks by target), for byte-for-byte comparison. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await fs.readdir(dir)).sort()) {
    const p = path.join(dir, name);
    const st = await fs.lstat(p);
    out[name] = st.isSymbolicLink()
      ? `link ${await fs.readlink(p)}`
      : `${(st.mode & 0o777).toString(8)} ${(await fs.readFile(p)).toString('base64')}`;
  }
  return out;
}

const idleOrFailed = (r: Rig, slug: string) => () => {
  const s = r.status(slug);
  return s && (s.state === 'idle' || s.state === 'failed') && s.pid === null ? s : null;
};

describe('while a worker runs', () => {
  it("lets the worker's agent commit, refuses everyone else, and yields to --no-verify and BATON_ALLOW=1", async () => {
    await initRig();
    await rig.writeTask('alpha', '@fake commit');
    const d = await rig.baton(['dispatch', 'alpha']);
    expect(d.code, d.stderr).toBe(0);
    const first = await rig.waitFor('the first run', idleOrFailed(rig, 'alpha'));
    expect(first.state).toBe('idle');
    const agentCommit = rig.fakeEvents().find((e) => e.event === 'commit');
    expect(agentCommit?.ok, String(agentCommit?.error)).toBe(true);
    expect(subjects(rig, 'task/alpha')[0]).toMatch(/^fake-claude: add /);

    // A second run that stays alive: the lock is live for the rest of the test.
    const c = await rig.baton(['continue', 'alpha', '@fake sleep=60000']);
    expect(c.code, c.stderr).toBe(0);
    const runId = c.stdout.trim();
    await rig.waitFor(
      'the second agent',
      () => rig.fakeEvents().filter((e) => e.event === 'start').length === 2,
    );
    const wt = realpathSync(path.join(rig.worktreesDir, 'alpha'));

    const outside = commit(rig, wt, 'from outside');
    expect(outside.code).not.toBe(0);
    expect(outside.stderr).toMatch(
      /Task alpha's worker pid \d+ \(run [^)]+\) is working in .*alpha, and this commit does not come from it\./,
    );
    expect(outside.stderr).toContain('baton stop alpha');
    expect(outside.stderr).toContain('git commit --no-verify');

    const moved = git(rig, rig.root, ['update-ref', 'refs/heads/task/alpha', 'main']);
    expect(moved.code).not.toBe(0);
    expect(moved.stderr).toContain("Branch task/alpha is being worked on by task alpha's worker");
    expect(moved.stderr).toContain('BATON_ALLOW=1');

    // Work elsewhere goes on; merging or rebasing into the worker's branch does not.
    expect(commit(rig, rig.root, 'on main meanwhile').code).toBe(0);
    const merge = git(rig, wt, ['merge', '--no-ff', '-q', '-m', 'merge main', 'main']);
    expect(merge.code).not.toBe(0);
    expect(merge.stderr).toContain('this merge does not come from it');
    git(rig, wt, ['merge', '--abort']);
    const rebase = git(rig, wt, ['rebase', '-q', 'main']);
    expect(rebase.code).not.toBe(0);
    expect(rebase.stderr).toContain('this rebase does not come from it');

    // The run's own processes carry its run id; the overrides let anyone through.
    expect(commit(rig, wt, 'as the agent', [], { BATON_RUN_ID: runId }).code).toBe(0);
    const noVerify = commit(rig, wt, 'no-verify', ['--no-verify']);
    expect(noVerify.code, noVerify.stderr).toBe(0);
    expect(commit(rig, wt, 'allowed', [], { BATON_ALLOW: '1' }).code).toBe(0);
    expect(subjects(rig, 'task/alpha').slice(0, 3)).toEqual(['allowed', 'no-verify', 'as the agent']);
    const forced = git(rig, rig.root, ['update-ref', 'refs/heads/task/alpha', 'task/alpha~1'], {
      BATON_ALLOW: '1',
    });
    expect(forced.code, forced.stderr).toBe(0);
    expect(subjects(rig, 'task/alpha')[0]).toBe('no-verify');
  });
});

describe('without a worker', () => {
  it('refuses commits on a task branch outside its worktree, in the main and in a linked worktree', async () => {
    await initRig();
    await rig.writeTask('beta', 'x');
    await rig.writeTask('gamma', 'x');
    const sw = git(rig, rig.root, ['switch', '-q', '-c', 'task/beta']);
    expect(sw.code).not.toBe(0);
    expect(sw.stderr).toContain("Branch task/beta is task beta's branch, but it is checked out at");
    expect(sw.stderr).toContain(`git -C ${rig.root} switch -`);

    const main = commit(rig, rig.root, 'in main');
    expect(main.code).not.toBe(0);
    expect(main.stderr).toContain(
      `takes commits only in its worktree ${path.join(rig.worktreesDir, 'beta')}`,
    );
    expect(main.stderr).toContain('git commit --no-verify');
    expect(commit(rig, rig.root, 'in main -n', ['-n']).code).toBe(0);
    expect(commit(rig, rig.root, 'in main allowed', [], { BATON_ALLOW: '1' }).code).toBe(0);
    expect(subjects(rig, 'task/beta').slice(0, 2)).toEqual(['in main allowed', 'in main -n']);
    expect(git(rig, rig.root, ['switch', '-q', 'main']).code).toBe(0);

    // A linked worktree, where git sets GIT_DIR for pre-commit.
    expect(git(rig, rig.root, ['branch', 'task/gamma']).code).toBe(0);
    const elsewhere = path.join(rig.base, 'elsewhere');
    const add = git(rig, rig.root, ['worktree', 'add', '-q', elsewhere, 'task/gamma']);
    expect(add.code).not.toBe(0);
    expect(add.stderr).toContain(`git worktree remove ${elsewhere}`);
    expect(existsSync(path.join(elsewhere, '.git'))).toBe(true);
    const linked = commit(rig, elsewhere, 'in elsewhere');
    expect(linked.code).not.toBe(0);
    expect(linked.stderr).toContain('Branch task/gamma is task gamma');
    expect(commit(rig, elsewhere, 'in elsewhere -n', ['--no-verify']).code).toBe(0);
    expect(commit(rig, elsewhere, 'in elsewhere allowed', [], { BATON_ALLOW: '1' }).code).toBe(0);
  });

  it("reports a worktree made by hand at a task's path on another branch, or for a task branch elsewhere", async () => {
    await initRig();
    await rig.writeTask('delta', 'x');
    await rig.writeTask('eps', 'x');
    const taskPath = path.join(rig.worktreesDir, 'delta');
    const wrong = git(rig, rig.root, ['worktree', 'add', '-q', taskPath, '-b', 'other']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain(
      `is task delta's worktree, but it is on branch other instead of task/delta`,
    );
    expect(wrong.stderr).toContain(`git worktree remove ${taskPath}`);
    expect(wrong.stderr).toContain('baton dispatch delta');

    expect(git(rig, rig.root, ['branch', 'task/eps']).code).toBe(0);
    const there = path.join(rig.base, 'there');
    const elsewhere = git(rig, rig.root, ['worktree', 'add', '-q', there, 'task/eps']);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain(
      `Branch task/eps is task eps's branch, but it is checked out at ${there}`,
    );
    expect(elsewhere.stderr).toContain(`git worktree remove ${there}`);

    // BATON_ALLOW=1 silences it; a branch that is no task's is nobody's business.
    const allowed = git(
      rig,
      rig.root,
      ['worktree', 'add', '-q', path.join(rig.base, 'there2'), '-b', 'task/zeta'],
      {
        BATON_ALLOW: '1',
      },
    );
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(
      git(rig, rig.root, ['worktree', 'add', '-q', path.join(rig.base, 'there3'), '-b', 'task/nobody']).code,
    ).toBe(0);
  });
});

/** A hook that appends what it saw to `log` and fails while `block` exists. */
function loggingHook(name: string, log: string, block: string): string {
  return [
    '#!/bin/sh',
    `echo "${name} $(basename "$0") $*" >> '${log}'`,
    `if [ -f '${block}' ]; then echo "blocked by the old ${name}" >&2; exit 3; fi`,
    '',
  ].join('\n');
}

describe('configuration', () => {
  it('follows branchPrefix as baton.yaml changes', async () => {
    await initRig();
    await rig.writeConfig(fakeAgentsYaml('branchPrefix: work/'));
    await rig.writeTask('kappa', 'x');
    git(rig, rig.root, ['switch', '-q', '-c', 'work/kappa'], { BATON_ALLOW: '1' });
    expect(commit(rig, rig.root, 'first').stderr).toContain("Branch work/kappa is task kappa's branch");
    // Again, now that baton cached the layout for the shims.
    expect(commit(rig, rig.root, 'second').stderr).toContain("Branch work/kappa is task kappa's branch");
    await rig.writeConfig(fakeAgentsYaml('branchPrefix: job/'));
    const after = commit(rig, rig.root, 'third');
    expect(after.code, after.stderr).toBe(0);
    git(rig, rig.root, ['switch', '-q', '-c', 'job/kappa'], { BATON_ALLOW: '1' });
    expect(commit(rig, rig.root, 'fourth').code).not.toBe(0);
  });
});

describe('installation', () => {
  it.each(['.git/hooks', 'absolute core.hooksPath', 'relative core.hooksPath'])(
    'keeps the hooks in %s running, changes nothing when run twice, and uninstalls byte for byte',
    async (where) => {
      const r = await freshRig();
      const log = path.join(r.base, 'chained.log');
      const block = path.join(r.base, 'block');
      let dir = path.join(r.root, '.git/hooks');
      if (where.startsWith('absolute')) {
        dir = path.join(r.base, 'shared hooks');
        expect(git(r, r.root, ['config', 'core.hooksPath', dir]).code).toBe(0);
      } else if (where.startsWith('relative')) {
        dir = path.join(r.root, '.githooks');
        expect(git(r, r.root, ['config', 'core.hooksPath', '.githooks']).code).toBe(0);
      }
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, 'pre-commit'), loggingHook('pre-commit', log, block), {
        mode: 0o755,
      });
      await fs.writeFile(
        path.join(dir, 'reference-transaction'),
        `#!/usr/bin/env bash\nwhile read -r old new ref; do echo "reference-transaction $1 $ref" >> '${log}'; done\n`,
        { mode: 0o755 },
      );
      await fs.writeFile(path.join(dir, 'notes.txt'), 'not a hook\n');
      const before = await snapshot(dir);

      const init = await r.baton(['init']);
      expect(init.code, init.stderr).toBe(0);
      expect(init.stdout).toContain('kept the existing pre-commit hook');
      // Task worktrees get their own folder: a relative hooksPath no longer leaves them unguarded.
      expect(init.stdout).toContain("task worktrees run baton's hooks from .git/baton-hooks");
      const installed = await snapshot(dir);
      expect(Object.keys(installed)).toContain('pre-commit.baton-chained');
      const again = await r.baton(['init']);
      expect(again.stdout, again.stdout + again.stderr).toContain('nothing to do');
      expect(await snapshot(dir)).toEqual(installed);

      const ok = commit(r, r.root, 'first');
      expect(ok.code, ok.stderr).toBe(0);
      const seen = readFileSync(log, 'utf8');
      // $0 is the hook's own path, so scripts that look at it (husky) keep working.
      expect(seen).toContain('pre-commit pre-commit');
      expect(seen).toContain('reference-transaction prepared refs/heads/main');
      expect(seen).toContain('reference-transaction committed refs/heads/main');
      await fs.writeFile(block, '');
      const blocked = commit(r, r.root, 'second');
      expect(blocked.code).not.toBe(0);
      expect(blocked.stderr).toContain('blocked by the old pre-commit');
      await fs.rm(block);

      if (where !== '.git/hooks') {
        // baton's own rules run from there too.
        await r.writeTask('theta', 'x');
        git(r, r.root, ['switch', '-q', '-c', 'task/theta'], { BATON_ALLOW: '1' });
        expect(commit(r, r.root, 'on theta').stderr).toContain("Branch task/theta is task theta's branch");
        git(r, r.root, ['switch', '-q', 'main']);
      }
      if (where.startsWith('relative')) {
        const status = await r.baton(['hooks', 'status']);
        expect(status.code, status.stdout).toBe(0);
        expect(status.stdout).toContain("pre-commit: ok (runs baton's check, then pre-commit.baton-chained)");
        expect(status.stdout).toContain('task worktrees: .git/baton-hooks');
      }
      if (where === '.git/hooks') {
        expect((await r.baton(['hooks', 'status'])).code).toBe(0);
        await fs.rm(path.join(dir, 'reference-transaction'));
        const missing = await r.baton(['hooks', 'status', '--json']);
        expect(missing.code).toBe(1);
        const { problems } = JSON.parse(missing.stdout) as { problems: { kind: string; hook: string }[] };
        expect(problems).toContainEqual(
          expect.objectContaining({ kind: 'missing', hook: 'reference-transaction' }),
        );
        expect((await r.baton(['hooks', 'install'])).code).toBe(0);
        expect(await snapshot(dir)).toEqual(installed);
      }

      const un = await r.baton(['hooks', 'uninstall']);
      expect(un.code, un.stderr).toBe(0);
      expect(await snapshot(dir)).toEqual(before);
    },
  );
});

describe('husky', () => {
  it("keeps husky 9's hooks running: its shims find the user's hook by their own name", async () => {
    const r = await freshRig();
    const log = path.join(r.base, 'husky.log');
    const block = path.join(r.base, 'block');
    const underscore = path.join(r.root, '.husky/_');
    await fs.mkdir(underscore, { recursive: true });
    // What `husky` (v9) generates: .husky/_/<hook> sources .husky/_/h, which runs .husky/<hook>.
    await fs.writeFile(
      path.join(underscore, 'h'),
      '#!/usr/bin/env sh\nn=$(basename "$0")\ns=$(dirname "$(dirname "$0")")/$n\n[ ! -f "$s" ] && exit 0\nsh -e "$s" "$@"\nc=$?\n[ $c != 0 ] && echo "husky - $n script failed (code $c)"\nexit $c\n',
    );
    await fs.writeFile(path.join(underscore, 'pre-commit'), '#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n', {
      mode: 0o755,
    });
    await fs.writeFile(path.join(r.root, '.husky/pre-commit'), loggingHook('husky-pre-commit', log, block));
    expect(git(r, r.root, ['config', 'core.hooksPath', '.husky/_']).code).toBe(0);

    expect((await r.baton(['init'])).code).toBe(0);
    expect(commit(r, r.root, 'with husky').code).toBe(0);
    expect(readFileSync(log, 'utf8')).toContain('husky-pre-commit pre-commit');
    await fs.writeFile(block, '');
    const blocked = commit(r, r.root, 'blocked by husky');
    expect(blocked.code).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toContain('husky - pre-commit script failed (code 3)');
  });
});

describe('when baton cannot be reached', () => {
  it('warns and lets git go on', async () => {
    await initRig();
    await rig.writeTask('iota', 'x');
    git(rig, rig.root, ['switch', '-q', '-c', 'task/iota'], { BATON_ALLOW: '1' });
    expect(commit(rig, rig.root, 'checked').code).not.toBe(0);
    const shim = path.join(rig.root, '.git/hooks/pre-commit');
    const text = await fs.readFile(shim, 'utf8');
    const pathWithoutBaton = (rig.env.PATH ?? '')
      .split(':')
      .filter((d) => d !== '' && !existsSync(path.join(d, 'baton')))
      .join(':');

    await fs.writeFile(
      shim,
      text.replace(/^baton_entry=.*$/m, "baton_entry='/nonexistent/baton/hook-main.js'"),
    );
    const gone = commit(rig, rig.root, 'no baton', [], { PATH: pathWithoutBaton });
    expect(gone.code, gone.stderr).toBe(0);
    expect(gone.stderr).toContain('cannot find baton');

    const broken = path.join(rig.base, 'broken.mjs');
    await fs.writeFile(broken, "throw new Error('boom');\n");
    await fs.writeFile(shim, text.replace(/^baton_entry=.*$/m, `baton_entry='${broken}'`));
    const failed = commit(rig, rig.root, 'baton fails', [], { PATH: pathWithoutBaton });
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stderr).toContain('baton failed (exit 1)');
    expect(subjects(rig, 'task/iota').slice(0, 2)).toEqual(['baton fails', 'no baton']);
  });
});
