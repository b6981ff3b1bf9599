/**
 * Pull requests, the pure part (domain/pr.ts, domain/pr-react.ts, domain/forge.ts): gh's JSON read from the
 * recorded shapes in test/fixtures/samples/, a failed gh call told apart, and the reactions
 * planned once per key.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { prNote } from '../../src/cli/board-text.js';
import type { PrRecord } from '../../src/store/pr.js';
import { backoffSeconds, classifyForgeFailure, type ForgeFailure } from '../../src/domain/forge.js';
import {
  isTrusted,
  parseCreated,
  parseInlineComments,
  parsePrList,
  parsePrView,
  pollEverySeconds,
  type PrView,
} from '../../src/domain/pr.js';
import {
  checkKey,
  checksFollowupText,
  feedbackFollowupText,
  fillArgv,
  planReactions,
  reactionLabel,
  trimLog,
} from '../../src/domain/pr-react.js';

const samples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/samples');
const sample = (name: string): string => readFileSync(path.join(samples, name), 'utf8');

function view(text = sample('gh-pr-view.json')): PrView {
  const r = parsePrView(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('parsePrView', () => {
  it('reads the recorded gh pr view --json output', () => {
    const v = view();
    expect(v.state).toBe('OPEN');
    expect(v.head).toBe('5b1f3d8a9c0e7f2a4b6c8d0e1f3a5b7c9d1e3f50');
    expect(v.reviewDecision).toBe('CHANGES_REQUESTED');
    expect(v.mergeStateStatus).toBe('BLOCKED');
    expect(v.checks).toEqual([
      expect.objectContaining({
        name: 'CodeQL-Build',
        failing: false,
        runId: '9080558491',
        jobId: '24952304248',
      }),
      expect.objectContaining({
        name: 'build (ubuntu-latest)',
        workflow: 'Tests',
        conclusion: 'FAILURE',
        failing: true,
        runId: '9080558500',
        jobId: '24952304215',
      }),
      expect.objectContaining({
        name: 'ci/circleci: lint',
        conclusion: 'SUCCESS',
        failing: false,
        runId: null,
      }),
    ]);
    expect(v.feedback.map((f) => [f.key, f.kind, f.author, f.state])).toEqual([
      ['review:PRR_kwDODKw3uc5GR6yX', 'review', 'mislav', 'CHANGES_REQUESTED'],
      ['comment:IC_kwDODKw3uc6Bq2vd', 'comment', 'reviewer-one', null],
    ]);
  });

  it.each([
    ['not JSON', 'gh: not found', /not a JSON object/],
    ['a list', '[]', /not a JSON object/],
    ['no state', '{"headRefOid": "abc"}', /no PR state/],
  ])('refuses %s', (_, text, error) => {
    const r = parsePrView(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });

  it("leaves out approvals without words, pending reviews, the viewer's own and hidden comments", () => {
    const v = view(
      JSON.stringify({
        state: 'OPEN',
        statusCheckRollup: null,
        reviews: [
          { id: 'a', state: 'APPROVED', body: '' },
          { id: 'b', state: 'PENDING', body: 'draft' },
          { id: 'c', state: 'COMMENTED', body: 'nit: naming' },
          { id: 'd', state: 'CHANGES_REQUESTED', body: '' },
        ],
        comments: [
          { id: 'x', body: 'mine', viewerDidAuthor: true },
          { id: 'y', body: 'spam', isMinimized: true },
          { id: 'z', body: '  ' },
        ],
      }),
    );
    expect(v.checks).toEqual([]);
    expect(v.feedback.map((f) => f.key)).toEqual(['review:c', 'review:d']);
  });
});

describe('the other gh outputs', () => {
  it('reads inline review comments with their file and line, also printed a page at a time', () => {
    const one = parseInlineComments(sample('gh-pr-comments.json'));
    expect(one).toEqual({
      ok: true,
      value: [
        {
          key: 'inline:1151176378',
          kind: 'inline',
          author: 'prince-chrismc',
          body: 'This should stay at 3.8: the project() call needs it.',
          path: 'recipes/gemmlowp/all/test_v1_package/CMakeLists.txt',
          line: 1,
          state: null,
          association: 'CONTRIBUTOR',
        },
      ],
    });
    const pages = parseInlineComments(
      '[{"id": 1, "body": "a", "path": "x.ts", "line": null, "original_line": 4}]\n[{"id": 2, "body": "b"}]',
    );
    expect(pages.ok && pages.value.map((c) => [c.key, c.line])).toEqual([
      ['inline:1', 4],
      ['inline:2', null],
    ]);
    expect(parseInlineComments('oops').ok).toBe(false);
  });

  it('reads gh pr list and the URL gh pr create prints', () => {
    expect(parsePrList(sample('gh-pr-list.json'))).toEqual({
      ok: true,
      value: [{ number: 9079, url: 'https://github.com/cli/cli/pull/9079', state: 'OPEN' }],
    });
    expect(parsePrList('{}').ok).toBe(false);
    expect(parseCreated(sample('gh-pr-create.stdout.txt'))).toEqual({
      number: 9079,
      url: 'https://github.com/cli/cli/pull/9079',
    });
    expect(parseCreated('Warning: 2 uncommitted changes\n')).toBeNull();
  });
});

describe('classifyForgeFailure', () => {
  const f = (over: Partial<ForgeFailure>): ForgeFailure => ({
    failure: 'exit',
    code: 1,
    stderr: '',
    stdout: '',
    program: 'gh',
    ...over,
  });
  it.each([
    ['gh not on PATH', f({ failure: 'not-found', code: 127 }), 'missing'],
    ['not logged in (exit 4)', f({ code: 4, stderr: sample('gh-not-logged-in.stderr.txt') }), 'auth'],
    ['bad credentials', f({ stderr: 'HTTP 401: Bad credentials (https://api.github.com/graphql)' }), 'auth'],
    ['GraphQL rate limit', f({ stderr: sample('gh-rate-limited.stderr.txt') }), 'rate_limited'],
    [
      'secondary rate limit',
      f({ stderr: 'HTTP 403: You have exceeded a secondary rate limit.' }),
      'rate_limited',
    ],
    ['no remote', f({ stderr: 'no git remotes found' }), 'no_remote'],
    ['a timeout', f({ failure: 'timeout', code: 124 }), 'timeout'],
    [
      'anything else',
      f({ stderr: 'GraphQL: Could not resolve to a PullRequest with the number of 9.' }),
      'failed',
    ],
  ])('%s', (_, failure, kind) => {
    expect(classifyForgeFailure(failure)).toBe(kind);
  });

  it.each([
    [60, 0, 60],
    [60, 1, 120],
    [60, 3, 480],
    [60, 10, 3600],
    [1, 2, 4],
    [7200, 1, 7200],
  ])('backs off from %i s after %i failures to %i s', (poll, failures, wait) => {
    expect(backoffSeconds(poll, failures)).toBe(wait);
  });
});

describe('planReactions', () => {
  const v = view();
  const failing = v.checks[1]!;

  it('reacts to a failing check on the head and to every new comment, once per key', () => {
    const inline = parseInlineComments(sample('gh-pr-comments.json'));
    if (!inline.ok) throw new Error(inline.error);
    // The sample's inline comment is a CONTRIBUTOR's: from a collaborator it is sent.
    const fromCollaborator = inline.value.map((c) => ({ ...c, association: 'COLLABORATOR' }));
    expect(planReactions(v, inline.value, new Set()).feedback.map((c) => c.key)).not.toContain(
      'inline:1151176378',
    );
    const first = planReactions(v, fromCollaborator, new Set());
    expect(first.checks).toEqual([{ check: failing, key: `check:${v.head}:24952304215` }]);
    expect(first.feedback.map((c) => c.key)).toEqual([
      'review:PRR_kwDODKw3uc5GR6yX',
      'comment:IC_kwDODKw3uc6Bq2vd',
      'inline:1151176378',
    ]);
    const done = new Set([...first.checks.map((c) => c.key), ...first.feedback.map((c) => c.key)]);
    expect(planReactions(v, fromCollaborator, done)).toEqual({ checks: [], feedback: [] });
    // The same failure on a new head commit is new.
    const pushed = { ...v, head: 'f00d' };
    expect(planReactions(pushed, fromCollaborator, done).checks.map((c) => c.key)).toEqual([
      'check:f00d:24952304215',
    ]);
  });

  it.each([
    ['OWNER', true],
    ['MEMBER', true],
    ['COLLABORATOR', true],
    [null, true],
    ['CONTRIBUTOR', false],
    ['FIRST_TIME_CONTRIBUTOR', false],
    ['NONE', false],
  ])('sends what a %s wrote: %s (on a public repository anyone may comment)', (association, sent) => {
    const c = {
      key: 'comment:1',
      kind: 'comment' as const,
      author: 'x',
      body: 'b',
      path: null,
      line: null,
      state: null,
      association,
    };
    expect(isTrusted(c)).toBe(sent);
    expect(planReactions({ ...v, feedback: [c] }, [], new Set()).feedback).toHaveLength(sent ? 1 : 0);
  });

  it('keys a check without an Actions job by its name', () => {
    expect(checkKey('h', { ...failing, runId: null, jobId: null })).toBe('check:h:build (ubuntu-latest)');
  });
});

describe('the follow-ups', () => {
  it('name the failing check and carry its log excerpt', () => {
    const v = view();
    const text = checksFollowupText({ number: 7, url: 'https://x/pull/7' }, v.head, [
      { check: v.checks[1]!, log: 'Run npm test | FAIL test/a.test.ts', noLog: null },
      { check: { ...v.checks[2]!, conclusion: 'ERROR' }, log: null, noLog: 'it is not a GitHub Actions run' },
    ]);
    expect(text).toContain(
      'CI failed on pull request #7 (https://x/pull/7) at commit 5b1f3d8a9c0e: build (ubuntu-latest), ci/circleci: lint.',
    );
    expect(text).toContain('## Tests / build (ubuntu-latest) (failure)');
    expect(text).toContain('```\nRun npm test | FAIL test/a.test.ts\n```');
    expect(text).toContain('No log excerpt: it is not a GitHub Actions run.');
  });

  it('give each review comment its file, line and text', () => {
    const text = feedbackFollowupText(
      { number: 7, url: 'u' },
      [
        {
          key: 'inline:1',
          kind: 'inline',
          author: 'ann',
          body: 'Use const here.\nAnd a test.',
          path: 'src/a.ts',
          line: 12,
          state: null,
          association: 'MEMBER',
        },
        {
          key: 'review:2',
          kind: 'review',
          author: 'bob',
          body: 'Needs work.',
          path: null,
          line: null,
          state: 'CHANGES_REQUESTED',
          association: null,
        },
      ],
      'CHANGES_REQUESTED',
    );
    expect(text).toContain('A reviewer requested changes on pull request #7 (u).');
    expect(text).toContain('- src/a.ts:12 by ann:\n  Use const here.\n  And a test.');
    expect(text).toContain('- review (changes requested) by bob:\n  Needs work.');
  });

  it("trims a --log-failed log to its job's last lines", () => {
    const log = [
      'lint\tRun eslint\t2025-03-05T13:30:32.6031507Z all good',
      ...Array.from({ length: 5 }, (_, i) => `build\tRun tests\t2025-03-05T13:30:3${i}.1Z line ${i}`),
    ].join('\n');
    expect(trimLog(log, 2, 'build')).toBe('Run tests | line 3\nRun tests | line 4');
    expect(trimLog(sample('gh-run-view-log-failed.txt'), 1, 'nope')).toBe('Set up job | 24.04.2');
    expect(trimLog('plain\ntext', 80, 'x')).toBe('plain\ntext');
  });

  it("fills its own placeholders and leaves gh's", () => {
    expect(
      fillArgv(['gh', 'api', 'repos/{owner}/{repo}/pulls/{number}/comments', '{nope}'], { number: '7' }),
    ).toEqual(['gh', 'api', 'repos/{owner}/{repo}/pulls/7/comments', '{nope}']);
  });

  it('names the follow-up drop of the same keys the same, whatever their order', () => {
    const a = reactionLabel(['check:h:1', 'check:h:2']);
    expect(a).toBe(reactionLabel(['check:h:2', 'check:h:1']));
    expect(a).not.toBe(reactionLabel(['check:h:1']));
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });
});

describe("the PR in baton status's NOTE", () => {
  const now = new Date('2026-12-07T12:00:00Z');
  const rec = (over: Partial<PrRecord>): PrRecord => ({
    slug: 'a',
    number: 12,
    url: 'https://x/pull/12',
    branch: 'task/a',
    base: 'main',
    remote: 'origin',
    state: 'OPEN',
    openedAt: null,
    adopted: false,
    head: null,
    mergeStateStatus: null,
    reviewDecision: null,
    failingChecks: [],
    checkedAt: null,
    nextPollAt: null,
    problem: null,
    doneRecorded: false,
    removeRefused: null,
    ...over,
  });
  const problem = {
    kind: 'auth' as const,
    message: 'gh is not logged in to GitHub.',
    hint: 'Run `gh auth login`.',
    since: '',
    failures: 2,
  };
  it.each([
    [rec({}), 'PR #12 open: https://x/pull/12'],
    [rec({ reviewDecision: 'APPROVED' }), 'PR #12 open, approved: https://x/pull/12'],
    [rec({ failingChecks: ['test', 'lint'] }), 'PR #12 open: failing test, lint (sent to the agent)'],
    [rec({ reviewDecision: 'CHANGES_REQUESTED' }), 'PR #12 open: changes requested (sent to the agent)'],
    [rec({ state: 'MERGED', doneRecorded: true }), 'PR #12 merged'],
    [rec({ state: 'MERGED' }), 'PR #12 merged; done when its worker ends'],
    [
      rec({ state: 'MERGED', doneRecorded: true, removeRefused: 'it has 1 uncommitted change' }),
      'PR #12 merged; worktree kept: it has 1 uncommitted change',
    ],
    [
      rec({ state: 'CLOSED' }),
      'PR #12 closed without merging; nothing was removed; a reopen is noticed (polled slowly)',
    ],
    [rec({ reopenedAt: '2026-12-07T11:00:00Z' }), 'PR #12 reopened: https://x/pull/12'],
    [
      rec({ reopenedAt: '2026-12-07T11:00:00Z', failingChecks: ['test'] }),
      'PR #12 reopened: failing test (sent to the agent)',
    ],
    [
      rec({ problem, nextPollAt: '2026-12-07T11:59:00Z' }),
      'PR #12: gh is not logged in to GitHub; tries again soon (Run `gh auth login`.)',
    ],
    [rec({ number: null, state: null, problem }), 'PR: gh is not logged in to GitHub (Run `gh auth login`.)'],
  ])('%#: %s', (r, note) => {
    expect(prNote(r, now)).toBe(note);
  });
});

describe('how often a PR is polled', () => {
  it.each([
    ['OPEN', 60, 60],
    ['CLOSED', 60, 600],
    ['CLOSED', 0.3, 3],
    ['MERGED', 60, null],
    [null, 60, null],
  ] as const)('%s every %s s: %s', (state, pollSeconds, every) => {
    expect(pollEverySeconds(state, pollSeconds)).toBe(every);
  });
});
