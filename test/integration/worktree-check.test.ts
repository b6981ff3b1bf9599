/**
 * The file-only check that lets a dispatch reuse a task's worktree without running git
 * (src/git/worktree.ts `isHealthyWorktree`): it says yes only where `git worktree list` would
 * show the worktree at its path on the task branch, and leaves every other case to git.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, promises as fs, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isHealthyWorktree, type WorktreeSpec } from '../../src/git/worktree.js';

let base: string;
let root: string;
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' });

beforeEach(async () => {
  base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-wt-')));
  root = path.join(base, 'repo');
  await fs.mkdir(root);
  git(root, 'init', '-q', '-b', 'main');
  git(
    root,
    '-c',
    'user.email=t@example.com',
    '-c',
    'user.name=t',
    'commit',
    '-q',
    '--allow-empty',
    '-m',
    'init',
  );
});
afterEach(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

const spec = (p: string, branch = 'task/a'): WorktreeSpec => ({
  root,
  commonDir: path.join(root, '.git'),
  branch,
  path: p,
  base: null,
});

describe('isHealthyWorktree', () => {
  it('is true for the task worktree on its branch, false on another branch or detached', async () => {
    const wt = path.join(base, 'wts', 'a');
    git(root, 'worktree', 'add', '-q', '-b', 'task/a', wt);
    expect(await isHealthyWorktree(spec(wt))).toBe(true);
    expect(await isHealthyWorktree(spec(wt, 'task/b'))).toBe(false);
    git(wt, 'checkout', '-q', '--detach');
    expect(await isHealthyWorktree(spec(wt))).toBe(false);
  });

  it('is false where git would not list the worktree at that path: moved by hand, or no worktree', async () => {
    const wt = path.join(base, 'wts', 'a');
    git(root, 'worktree', 'add', '-q', '-b', 'task/a', wt);
    const moved = path.join(base, 'wts', 'moved');
    await fs.rename(wt, moved);
    expect(await isHealthyWorktree(spec(moved))).toBe(false);
    await fs.mkdir(wt, { recursive: true });
    expect(await isHealthyWorktree(spec(wt))).toBe(false);
    expect(await isHealthyWorktree(spec(root, 'main'))).toBe(false);
  });
});
