import { describe, expect, it } from 'vitest';
import { decideRemoval, type RemovalFacts } from '../../src/domain/removal.js';

const facts = (over: Partial<RemovalFacts> = {}): RemovalFacts => ({
  slug: 'alpha',
  branch: 'task/alpha',
  worktree: { path: '/w/alpha', branch: 'task/alpha', dirty: [], detachedCommits: 0 },
  branchInfo: { head: 'abc', unsafeCommits: 0, merged: true, checkedOutAt: null },
  base: 'main',
  ...over,
});
const branch = (over: Partial<NonNullable<RemovalFacts['branchInfo']>>): RemovalFacts['branchInfo'] => ({
  head: 'abc',
  unsafeCommits: 0,
  merged: false,
  checkedOutAt: null,
  ...over,
});

describe('decideRemoval', () => {
  it('removes a clean worktree and deletes a merged branch', () => {
    expect(decideRemoval(facts(), false)).toEqual({
      kind: 'remove',
      removeWorktree: true,
      deleteBranch: 'merged',
      keptBecause: null,
      discarded: { uncommitted: 0, commits: 0 },
    });
  });

  it('has nothing to do without worktree and branch', () => {
    expect(decideRemoval(facts({ worktree: null, branchInfo: null }), true)).toEqual({ kind: 'nothing' });
  });

  it('refuses uncommitted changes and unsafe commits in one sentence, naming --force', () => {
    const d = decideRemoval(
      facts({
        worktree: { path: '/w/alpha', branch: 'task/alpha', dirty: ['?? a', ' M b'], detachedCommits: 0 },
        branchInfo: branch({ unsafeCommits: 1 }),
      }),
      false,
    );
    expect(d).toEqual({
      kind: 'refuse',
      message:
        'Task alpha was not removed: its worktree has 2 uncommitted changes and its branch task/alpha has 1 commit that is on no remote and not merged into main.',
      hint: 'To keep the work, merge task/alpha into main or push it (see `git -C /w/alpha status`), then remove again; to throw it away, run `baton remove alpha --force`.',
    });
  });

  it('refuses commits only a detached HEAD holds', () => {
    const d = decideRemoval(
      facts({ worktree: { path: '/w/alpha', branch: null, dirty: [], detachedCommits: 2 } }),
      false,
    );
    expect(d.kind === 'refuse' && d.message).toContain('detached HEAD has 2 commits that no branch holds');
  });

  it('keeps an unmerged branch whose commits are all on a remote', () => {
    expect(decideRemoval(facts({ branchInfo: branch({ merged: false }) }), false)).toMatchObject({
      kind: 'remove',
      deleteBranch: null,
      keptBecause: 'unmerged-on-remote',
    });
  });

  it('with --force deletes an unmerged branch and counts what it throws away', () => {
    const d = decideRemoval(
      facts({
        worktree: { path: '/w/alpha', branch: 'task/alpha', dirty: ['?? a'], detachedCommits: 0 },
        branchInfo: branch({ unsafeCommits: 3 }),
      }),
      true,
    );
    expect(d).toMatchObject({
      kind: 'remove',
      deleteBranch: 'forced',
      discarded: { uncommitted: 1, commits: 3 },
    });
  });

  it('never deletes a branch checked out in another worktree, even with --force', () => {
    const d = decideRemoval(
      facts({ branchInfo: branch({ checkedOutAt: '/elsewhere', unsafeCommits: 1 }) }),
      true,
    );
    expect(d).toMatchObject({
      deleteBranch: null,
      keptBecause: 'checked-out-elsewhere',
      discarded: { commits: 0 },
    });
  });
});
