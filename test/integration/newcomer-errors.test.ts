/**
 * The errors a newcomer meets first: each is one sentence saying what is wrong plus one line
 * saying what to do, with the documented exit code, and nothing is left half started.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentsDir, batonBin, makeRig, projectRoot, type CliResult, type Rig } from '../helpers/rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig();
});
afterEach(async () => {
  await rig.cleanup();
});

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, env: rig.env, encoding: 'utf8' });

/** stderr is `baton: <one sentence>` then one indented hint line. */
function expectOneSentenceAndHint(r: CliResult, sentence: RegExp | string, hint: RegExp | string): void {
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(2);
  const [first, second] = lines as [string, string];
  expect(first.startsWith('baton: ')).toBe(true);
  if (typeof sentence === 'string') expect(first).toContain(sentence);
  else expect(first).toMatch(sentence);
  expect(first.trimEnd().endsWith('.')).toBe(true);
  expect(second.startsWith('  ')).toBe(true);
  if (typeof hint === 'string') expect(second).toContain(hint);
  else expect(second).toMatch(hint);
}

/** A PATH without any folder holding a `claude` (git and the rest stay reachable). */
function pathWithoutClaude(): string {
  return (rig.env.PATH ?? '')
    .split(path.delimiter)
    .filter((d) => d !== '' && !existsSync(path.join(d, 'claude')))
    .join(path.delimiter);
}

describe('errors a newcomer meets', () => {
  it('not a git repository: exit 1, says so, and how to make one', async () => {
    const plain = path.join(rig.base, 'plain');
    await fs.mkdir(plain);
    const env = { GIT_CEILING_DIRECTORIES: rig.base };
    for (const args of [['status'], ['init'], ['dispatch', 'alpha']]) {
      const r = await rig.baton(args, { cwd: plain, env });
      expect(r.code, args.join(' ')).toBe(1);
      expectOneSentenceAndHint(r, `${plain} is not inside a git repository.`, 'git init');
    }
  });

  it('no commits yet: the dispatch says to make a first commit and starts nothing', async () => {
    const empty = path.join(rig.base, 'empty');
    await fs.mkdir(empty);
    git(empty, 'init', '-q', '-b', 'main');
    expect((await rig.baton(['init'], { cwd: empty })).code).toBe(0);
    await fs.writeFile(path.join(empty, 'tasks', 'alpha.md'), 'Say hello.\n');
    const r = await rig.baton(['dispatch', 'alpha'], { cwd: empty });
    expect(r.code).toBe(1);
    expectOneSentenceAndHint(r, 'has no commits yet', 'git commit --allow-empty -m init');
    expect(existsSync(path.join(empty, 'tasks/logs/dispatch-alpha.status.json'))).toBe(false);
    expect(existsSync(path.join(rig.base, 'empty.worktrees', 'alpha'))).toBe(false);
  });

  it('claude not installed: the dispatch fails at once naming the command and how to install it', async () => {
    await rig.writeConfig('defaultAgent: claude\n');
    await rig.writeTask('alpha', 'Say hello.');
    const r = await rig.baton(['dispatch', 'alpha'], { env: { PATH: pathWithoutClaude() } });
    expect(r.code).toBe(1);
    expectOneSentenceAndHint(
      r,
      `The claude agent's command "claude" is not on PATH.`,
      'npm install -g @anthropic-ai/claude-code',
    );
    // Nothing was started: no worker, no worktree, no run.
    expect(rig.status('alpha')).toBeNull();
    expect(existsSync(path.join(rig.worktreesDir, 'alpha'))).toBe(false);
  });

  it('an agent that vanishes between runs: the failed run says "was not found" in status', async () => {
    const bin = path.join(rig.base, 'bin');
    await fs.mkdir(bin);
    for (const f of ['fake-claude.mjs', 'fake-lib.mjs'])
      copyFileSync(path.join(agentsDir, f), path.join(bin, f));
    const claude = path.join(bin, 'fake-claude.mjs');
    await rig.writeConfig(
      `defaultAgent: claude\nagents:\n  claude: { preset: claude, bin: ${JSON.stringify(claude)} }\n`,
    );
    await rig.writeTask('alpha', '@fake sleep=5000');
    expect((await rig.baton(['dispatch', 'alpha'])).code).toBe(0);
    await rig.waitFor('running', () => rig.status('alpha')?.state === 'running');
    expect((await rig.baton(['followup', 'alpha', 'and then this'])).code).toBe(0);
    await fs.rm(claude);
    const s = await rig.waitFor('the follow-up run to fail', () => {
      const st = rig.status('alpha');
      return st?.state === 'failed' && st.pid === null ? st : null;
    });
    expect(String(s.error)).toContain(`the agent command ${JSON.stringify(claude)} was not found`);
    // Wide enough for the whole note: at 80 columns the error's long temp path is cut with `…`.
    const table = await rig.baton(['status'], { env: { COLUMNS: '300' } });
    expect(table.stdout).toMatch(/alpha\s+failed/);
    expect(table.stdout).toContain('was not found');
    const json = JSON.parse((await rig.baton(['status', '--json'])).stdout) as { tasks: { error: string }[] };
    expect(json.tasks[0]?.error).toContain('was not found');
  });

  it('unknown task: exit 4 from every command that names one', async () => {
    for (const args of [
      ['dispatch', 'nope'],
      ['followup', 'nope', 'more'],
      ['continue', 'nope'],
      ['stop', 'nope'],
      ['remove', 'nope'],
    ]) {
      const r = await rig.baton(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(4);
      expect(r.stderr).toContain('There is no task nope');
    }
  });

  it('dirty base branch: the dispatch warns in one sentence that the branch will not contain the changes, and goes on', async () => {
    await fs.writeFile(path.join(rig.root, 'README.md'), '# changed, not committed\n');
    await rig.writeTask('alpha', 'Say hello.');
    const r = await rig.baton(['dispatch', 'alpha']);
    expect(r.code, r.stderr).toBe(0);
    const warning = r.stderr.split('\n').filter((l) => l.includes('warning'));
    expect(warning).toHaveLength(1);
    expect(warning[0]).toContain('the main worktree has uncommitted changes (README.md)');
    expect(warning[0]).toContain('task/alpha starts from main');
    expect(readFileSync(path.join(rig.worktreesDir, 'alpha', 'README.md'), 'utf8')).toBe('# test repo\n');
    // A second dispatch of the same task does not start from the base again: no warning.
    await rig.waitFor(
      'idle',
      () => rig.status('alpha')?.state === 'idle' && rig.status('alpha')?.pid === null,
    );
    const again = await rig.baton(['dispatch', 'alpha']);
    expect(again.stderr).not.toContain('warning');
  });

  it('detached HEAD in the main worktree and no base: exit 1 with the fix; `base:` makes it work', async () => {
    git(rig.root, 'checkout', '-q', '--detach');
    await rig.writeTask('alpha', 'Say hello.');
    const r = await rig.baton(['dispatch', 'alpha']);
    expect(r.code).toBe(1);
    expectOneSentenceAndHint(r, 'is on a detached HEAD', 'set `base:` in the task file');
    await rig.writeTask('alpha', 'Say hello.', { base: 'main' });
    const ok = await rig.baton(['dispatch', 'alpha']);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('Node too old: the entry refuses in one sentence before loading the CLI', async () => {
    const preload = path.join(rig.base, 'old-node.mjs');
    await fs.writeFile(preload, "Object.defineProperty(process.versions, 'node', { value: '18.19.1' });\n");
    const entry = path.join(path.dirname(batonBin), 'bin.js');
    const run = (pre: string[]): { code: number; stderr: string; stdout: string } => {
      try {
        const stdout = execFileSync(process.execPath, [...pre, entry, '--version'], {
          cwd: projectRoot,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        return { code: 0, stdout, stderr: '' };
      } catch (err) {
        const e = err as { status: number; stdout: string; stderr: string };
        return { code: e.status, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const old = run(['--import', preload]);
    expect(old.code).toBe(1);
    expect(old.stdout).toBe('');
    expectOneSentenceAndHint(
      { ...old },
      'This is Node.js 18.19.1, and baton needs Node.js 22.22 or newer.',
      'Install Node.js 22.22 or newer',
    );
    const current = run([]);
    expect(current.code).toBe(0);
    expect(current.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
