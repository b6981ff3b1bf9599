/**
 * src/git/ on real repositories: a non-zero exit is never taken for success (simple-git alone
 * resolves one that wrote nothing on stderr), the questions git answers by exit code come back
 * as values, git runs without a hook's repository variables, and the user's own environment
 * (EDITOR, PAGER, GIT_EXEC_PATH...) does not trip simple-git's guards.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, promises as fs, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configPath } from '../../src/git/config.js';
import { GIT_REPO_VARS } from '../../src/git/env.js';
import { locateWorkTree } from '../../src/git/locate.js';
import { branchExists, currentBranch, isAncestor, resolveCommit } from '../../src/git/refs.js';
import { git, GitCommandError } from '../../src/git/run.js';
import { ignoredPaths, statusPorcelain, trackedFiles } from '../../src/git/status.js';
import { projectRoot } from '../helpers/rig.js';

let base: string;
let root: string;
const ID = ['-c', 'user.email=t@example.com', '-c', 'user.name=t'];
const sh = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' });

beforeEach(async () => {
  base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-git-')));
  root = path.join(base, 'repo');
  await fs.mkdir(root);
  sh(root, 'init', '-q', '-b', 'main');
  sh(root, ...ID, 'commit', '-q', '--allow-empty', '-m', 'one');
});
afterEach(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

/** An orphan branch `other` with a commit that shares no history with main. */
function unrelatedBranch(): void {
  sh(root, 'checkout', '-q', '--orphan', 'other');
  sh(root, ...ID, 'commit', '-q', '--allow-empty', '-m', 'elsewhere');
  sh(root, 'checkout', '-q', 'main');
}

describe('the error rule', () => {
  it('rejects a command that exits non-zero with nothing on stderr', async () => {
    unrelatedBranch();
    // The premise: git exits 1 and writes nothing, which simple-git alone takes for success.
    let exit = 0;
    let stderr = 'unset';
    try {
      execFileSync('git', ['merge-base', '--is-ancestor', 'main', 'other'], { cwd: root, stdio: 'pipe' });
    } catch (err) {
      exit = (err as { status: number }).status;
      stderr = String((err as { stderr: Buffer }).stderr);
    }
    expect({ exit, stderr }).toEqual({ exit: 1, stderr: '' });

    const err = await git(root)
      .raw(['merge-base', '--is-ancestor', 'main', 'other'])
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(GitCommandError);
    expect((err as GitCommandError).exitCode).toBe(1);
    expect((err as GitCommandError).message).toBe('git merge-base failed: exit code 1, nothing on stderr');
  });

  it('keeps the `git <cmd> failed: <stderr>` shape for a command that says why', async () => {
    const err = (await git(root)
      .raw(['rev-parse', '--verify', 'no-such-ref'])
      .catch((e: unknown) => e)) as GitCommandError;
    expect(err.exitCode).toBe(128);
    expect(err.message).toMatch(/^git rev-parse failed: fatal: Needed a single revision/);
  });

  it('rejects, not throws, when the directory does not exist', async () => {
    const p = git(path.join(base, 'gone')).raw(['status']);
    await expect(p).rejects.toThrow(/^git status failed: /);
    await expect(p).rejects.toMatchObject({ exitCode: null });
  });

  it('resolves an answer code and rejects any other', async () => {
    unrelatedBranch();
    const g = git(root);
    expect(await g.exit(['merge-base', '--is-ancestor', 'main', 'other'], [1])).toEqual({
      exitCode: 1,
      stdout: '',
    });
    await expect(g.exit(['merge-base', '--is-ancestor', 'main', 'nope'], [1])).rejects.toMatchObject({
      exitCode: 128,
    });
  });
});

describe('yes/no questions', () => {
  it('isAncestor: true, false on unrelated history, rejects on a bad ref', async () => {
    sh(root, ...ID, 'commit', '-q', '--allow-empty', '-m', 'two');
    unrelatedBranch();
    expect(await isAncestor(root, 'main~1', 'main')).toBe(true);
    expect(await isAncestor(root, 'main', 'main~1')).toBe(false);
    expect(await isAncestor(root, 'main', 'other')).toBe(false);
    await expect(isAncestor(root, 'main', 'no-such')).rejects.toThrow(/^git merge-base failed: /);
  });

  it('branchExists is exact (a prefix of a branch is not one)', async () => {
    sh(root, 'branch', 'task/ab');
    expect(await branchExists(root, 'task/ab')).toBe(true);
    expect(await branchExists(root, 'task/a')).toBe(false);
    expect(await branchExists(root, 'task')).toBe(false);
  });

  it('currentBranch is null on a detached HEAD; resolveCommit is null on an unborn one', async () => {
    expect(await currentBranch(root)).toBe('main');
    sh(root, 'checkout', '-q', '--detach');
    expect(await currentBranch(root)).toBeNull();
    expect(await resolveCommit(root, 'HEAD')).toBe(sh(root, 'rev-parse', 'HEAD').trim());
    const empty = path.join(base, 'empty');
    await fs.mkdir(empty);
    sh(empty, 'init', '-q');
    expect(await resolveCommit(empty, 'HEAD')).toBeNull();
    await expect(currentBranch(base)).rejects.toThrow(
      /^git symbolic-ref failed: fatal: not a git repository/,
    );
  });

  it('ignoredPaths, trackedFiles, statusPorcelain and configPath', async () => {
    await fs.writeFile(path.join(root, '.gitignore'), 'logs/\n');
    expect(await ignoredPaths(root, ['logs/x'])).toEqual(['logs/x']);
    expect(await ignoredPaths(root, ['src/x'])).toEqual([]);
    expect(await trackedFiles(root, ['logs'])).toEqual([]);
    expect(await statusPorcelain(root)).toEqual(['?? .gitignore']);
    expect(await statusPorcelain(root, { pathspecs: [':(exclude).gitignore'] })).toEqual([]);
    expect(await configPath(root, 'core.hooksPath')).toBeNull();
    sh(root, 'config', 'core.hooksPath', 'githooks');
    expect(await configPath(root, 'core.hooksPath')).toEqual({ value: 'githooks', scope: 'local' });
  });
});

describe('environment', () => {
  it("ignores a hook's GIT_DIR and GIT_INDEX_FILE, unless asked where they point", async () => {
    const other = path.join(base, 'other');
    await fs.mkdir(other);
    sh(other, 'init', '-q', '-b', 'trunk');
    const hookEnv = {
      ...process.env,
      GIT_DIR: path.join(other, '.git'),
      GIT_INDEX_FILE: path.join(other, '.git/index'),
    };
    expect(await git(root, { baseEnv: hookEnv }).raw(['symbolic-ref', '--short', 'HEAD'])).toBe('main\n');
    const where = await locateWorkTree(root, { ...hookEnv, GIT_WORK_TREE: other });
    expect(where?.gitDir).toBe(path.join(other, '.git'));
  });

  it("runs with the user's EDITOR, PAGER, PREFIX, GIT_SSH_COMMAND and a hook's GIT_EXEC_PATH", async () => {
    const env = {
      EDITOR: 'vi',
      GIT_EDITOR: 'vi',
      PAGER: 'less',
      GIT_PAGER: 'less',
      PREFIX: '/usr',
      GIT_SSH_COMMAND: 'ssh',
      GIT_ASKPASS: 'true',
      GIT_EXEC_PATH: sh(root, '--exec-path').trim(),
    };
    expect(await currentBranch(root)).toBe('main');
    expect(await git(root, { env }).raw(['symbolic-ref', '--short', 'HEAD'])).toBe('main\n');
  });

  it('GIT_REPO_VARS holds what git calls local, and the hook shims unset exactly that list', () => {
    const local = sh(root, 'rev-parse', '--local-env-vars').split('\n').filter(Boolean);
    expect(GIT_REPO_VARS).toEqual(expect.arrayContaining(local));
    for (const hook of [
      'pre-commit',
      'post-checkout',
      'pre-merge-commit',
      'pre-rebase',
      'reference-transaction',
    ]) {
      const text = readFileSync(path.join(projectRoot, 'hooks', hook), 'utf8');
      const m = /unset ((?:GIT_\w+[\s\\]*)+)/.exec(text);
      const unset = (m?.[1] ?? '').split(/[\s\\]+/).filter(Boolean);
      expect([...unset].sort(), hook).toEqual([...GIT_REPO_VARS].sort());
    }
  });
});
