/** The hooks' pure parts: the rules, the fast config read, the git command line, the shims. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { DEFAULT_CONFIG_YAML, DEFAULT_WORKTREES_DIR, DEFAULTS } from '../../src/config/defaults.js';
import { parseConfig } from '../../src/config/parse.js';
import type { WorktreeEntry } from '../../src/git/worktrees.js';
import { formatLayoutCache, layoutFingerprint } from '../../src/hooks/layout-cache.js';
import { formatLockRecord, type LockRecord } from '../../src/store/lock-record.js';
import { layoutFromText, quickLayout } from '../../src/hooks/layout.js';
import { gitArgvHasNoVerify } from '../../src/hooks/git-argv.js';
import { runsOf } from '../../src/hooks/status.js';
import {
  judgeCommit,
  judgeRefUpdate,
  movedTaskBranches,
  parseRefUpdates,
  type LockView,
  type TaskLayout,
} from '../../src/hooks/rules.js';
import { findMisplacedBranches, judgeCheckout } from '../../src/hooks/misplaced.js';
import { HOOK_REFUSED } from '../../src/hooks/run.js';
import { fillShim, shQuote, templatePath } from '../../src/hooks/shim.js';

const layout: TaskLayout = { branchPrefix: 'task/', worktreesDir: '/r/repo.worktrees' };
const everyTask = (): boolean => true;
const live = (runId: string): LockView => ({
  live: true,
  runId,
  slug: 'a',
  holder: `pid 42 (run ${runId}, since t)`,
});

describe('layoutFromText', () => {
  const root = '/home/u/proj';
  const env = { HOME: '/home/u' };
  const texts: [string, string | null][] = [
    ['no file', null],
    ['the file baton init writes', DEFAULT_CONFIG_YAML],
    ['agents only', 'defaultAgent: cmd\nagents:\n  cmd: { command: [x, "{promptFile}"] }\n'],
    ['plain values', 'branchPrefix: work/\nworktreesDir: ../wt # where\n'],
    ['quoted values', 'branchPrefix: \'agent-\'\nworktreesDir: "~/trees/<repo-name>"\n'],
    ['an empty value', 'branchPrefix:\nworktreesDir: /abs/wt\n'],
  ];
  it.each(texts)('agrees with parseConfig: %s', (_, text) => {
    const { config, errors } = parseConfig(text, 'baton.yaml', env, root);
    expect(errors).toEqual([]);
    expect(layoutFromText(text, root, env)).toEqual({
      branchPrefix: config.branchPrefix,
      worktreesDir: config.worktreesDir,
    });
  });

  it.each([
    ['a flow mapping', '{branchPrefix: x/}\n'],
    ['an alias', 'base: &b x/\nbranchPrefix: *b\n'],
    ['a continuation line', 'worktreesDir: a\n  b\n'],
    ['a duplicate', 'branchPrefix: a/\nbranchPrefix: b/\n'],
    ['escapes', 'worktreesDir: "a\\tb"\n'],
    ['a second document', '---\nbranchPrefix: a/\n'],
  ])('leaves %s to the YAML parser', (_, text) => {
    expect(quickLayout(text)).toBe('unsure');
  });
});

describe('judgeCommit', () => {
  const base = { action: 'commit' as const, layout, isTask: everyTask, runId: null };
  it("refuses a commit in a task worktree whose live lock is another run's, and names the fix", () => {
    const v = judgeCommit({ ...base, worktree: '/r/repo.worktrees/a', branch: 'task/a', lock: live('r-1') });
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.message).toBe(
        "Task a's worker pid 42 (run r-1, since t) is working in /r/repo.worktrees/a, and this commit does not come from it.",
      );
      expect(v.hint).toContain('baton stop a');
      expect(v.hint).toContain('git commit --no-verify');
    }
  });
  it('says that staged changes stay in the index for the agent, and how to take them out', () => {
    const at = { ...base, worktree: '/r/repo.worktrees/a', branch: 'task/a', lock: live('r-1') };
    const few = judgeCommit({ ...at, staged: ['x.txt', 'my file.txt'] });
    expect(few.ok).toBe(false);
    if (!few.ok) {
      expect(few.message).toBe(
        "Task a's worker pid 42 (run r-1, since t) is working in /r/repo.worktrees/a, and this commit does not come from it; what you staged (x.txt, my file.txt) stays in this worktree's index, and the agent's next commit would take it in.",
      );
      expect(few.hint).toContain("`git stash push --staged -m 'refused while a ran'`");
      expect(few.hint).toContain("`git -C /r/repo.worktrees/a restore --staged -- x.txt 'my file.txt'`");
      expect(few.hint).toContain('Then wait for the worker to finish');
    }
    const many = judgeCommit({ ...at, staged: ['1', '2', '3', '4', '5'] });
    if (!many.ok) {
      expect(many.message).toContain('what you staged (1, 2, 3 and 2 more) stays');
      expect(many.hint).toContain('restore --staged -- :/`');
    }
    // A merge's refusal has its own undo; nothing staged, nothing said.
    const merge = judgeCommit({ ...at, action: 'merge', staged: ['x.txt'] });
    if (!merge.ok) expect(merge.message).not.toContain('what you staged');
    const none = judgeCommit({ ...at, staged: [] });
    if (!none.ok) expect(none.message).not.toContain('what you staged');
  });
  it("lets the lock's own run commit, and anyone once the lock is not live", () => {
    expect(
      judgeCommit({
        ...base,
        worktree: '/r/repo.worktrees/a',
        branch: 'task/a',
        lock: live('r-1'),
        runId: 'r-1',
      }).ok,
    ).toBe(true);
    const dead = { ...live('r-1'), live: false };
    expect(judgeCommit({ ...base, worktree: '/r/repo.worktrees/a', branch: 'task/a', lock: dead }).ok).toBe(
      true,
    );
  });
  it("refuses a task branch outside its worktree, but not a branch that is no task's", () => {
    expect(judgeCommit({ ...base, worktree: '/r/repo', branch: 'task/a', lock: null }).ok).toBe(false);
    expect(
      judgeCommit({ ...base, worktree: '/r/repo', branch: 'task/a', lock: null, isTask: () => false }).ok,
    ).toBe(true);
    expect(judgeCommit({ ...base, worktree: '/r/repo', branch: 'task/Not_A_Slug', lock: null }).ok).toBe(
      true,
    );
    expect(judgeCommit({ ...base, worktree: '/r/repo', branch: 'main', lock: null }).ok).toBe(true);
  });
});

describe('reference-transaction', () => {
  const z = '0'.repeat(40);
  const input = `${z} aaa refs/heads/task/a\naaa aaa refs/heads/task/b\naaa bbb HEAD\naaa bbb refs/heads/main\nbbb ${z} refs/heads/task/c\n`;
  it('sees creations, moves and deletions of task branches, not no-op rewrites', () => {
    expect(movedTaskBranches(parseRefUpdates(input), layout)).toEqual([
      { branch: 'task/a', slug: 'a' },
      { branch: 'task/c', slug: 'c' },
    ]);
  });
  it("refuses only while another run's lock is live, and yields to --no-verify", () => {
    expect(judgeRefUpdate('task/a', 'a', null, null, false).ok).toBe(true);
    expect(judgeRefUpdate('task/a', 'a', live('r-1'), 'r-1', false).ok).toBe(true);
    expect(judgeRefUpdate('task/a', 'a', live('r-1'), 'r-2', true).ok).toBe(true);
    const v = judgeRefUpdate('task/a', 'a', live('r-1'), null, false);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.hint).toContain('BATON_ALLOW=1');
  });
  it.each([
    [['git', 'commit', '-n', '-m', 'x'], true],
    [['git', 'commit', '-qnm', 'x'], true],
    [['git', 'commit', '-m', 'n'], false],
    [['git', 'commit', '-mn'], false],
    [['/usr/lib/git-core/git', '-C', 'dir', '-c', 'a=b', 'merge', '--no-verify', 'x'], true],
    [['git', 'commit', '-m', 'x', '--', '--no-verify'], false],
    [['git', 'update-ref', 'refs/heads/task/a', 'HEAD'], false],
    [['git', 'rebase', '--no-verify', 'main'], true],
  ])('reads --no-verify in %j: %s', (argv, expected) => {
    expect(gitArgvHasNoVerify(argv)).toBe(expected);
  });
});

describe('findMisplacedBranches', () => {
  const wt = (p: string, branch: string | null): WorktreeEntry => ({
    path: p,
    head: 'x',
    branch,
    bare: false,
    prunable: false,
  });
  it('finds task worktrees on other branches and task branches elsewhere; detached HEADs pass', () => {
    const found = findMisplacedBranches(
      [
        wt('/r/repo', 'task/b'),
        wt('/r/repo.worktrees/a', 'task/a'),
        wt('/r/repo.worktrees/c', 'feature'),
        wt('/r/repo.worktrees/d', null),
        wt('/elsewhere', 'task/e'),
        wt('/r/repo.worktrees/x', 'task/x'),
      ],
      layout,
      { isTask: (s) => s !== 'x' },
    );
    expect(found.map((m) => [m.kind, m.slug, m.path])).toEqual([
      ['branch-elsewhere', 'b', '/r/repo'],
      ['wrong-branch', 'c', '/r/repo.worktrees/c'],
      ['branch-elsewhere', 'e', '/elsewhere'],
    ]);
  });
  it('explains a checkout with the fix', () => {
    const v = judgeCheckout('/r/repo.worktrees/a', 'other', false, layout, everyTask);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.message).toBe(
        "/r/repo.worktrees/a is task a's worktree, but it is on branch other instead of task/a.",
      );
      expect(v.hint).toContain('git worktree remove /r/repo.worktrees/a');
    }
  });
});

describe('shims', () => {
  const template = readFileSync(templatePath(), 'utf8');
  it("turns baton's refusal, and only that, into git's non-zero", () => {
    expect(template).toContain(`  ${HOOK_REFUSED}) return 1 ;;\n`);
    expect(HOOK_REFUSED).not.toBe(1);
  });
  it('embeds the paths quoted for sh', () => {
    const text = fillShim(template, 'pre-commit', {
      node: "/opt/it's node/bin/node",
      entry: '/x/dist/cli/hook-main.js',
    });
    expect(text).toContain(`baton_node=${shQuote("/opt/it's node/bin/node")}\n`);
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
  });
  it("reads baton's lock file the way the shim does: released and runId each on a line of their own", () => {
    const record: LockRecord = {
      holder: { pid: 7, startTime: '1', bootId: 'b' },
      runId: 'r-1',
      epoch: 1,
      rev: 0,
      slug: 'a',
      acquiredAt: 't',
      heartbeatAt: 't',
      released: false,
      agent: null,
    };
    // The shim's case patterns: *'"released":'*false* and *'"runId":'*"\"$BATON_RUN_ID\""*
    const held = (r: LockRecord): boolean =>
      formatLockRecord(r)
        .split('\n')
        .some((l) => /"released":.*false/.test(l));
    const runs = (r: LockRecord, id: string): boolean =>
      formatLockRecord(r)
        .split('\n')
        .some((l) => l.includes('"runId":') && l.includes(`"${id}"`));
    expect(held(record)).toBe(true);
    expect(held({ ...record, released: true })).toBe(false);
    expect(runs(record, 'r-1')).toBe(true);
    expect(runs(record, 'r-')).toBe(false);
    expect(template).toContain(`case $line in *'"released":'*false*) held=1 ;; esac`);
    expect(template).toContain(`case $line in *'"runId":'*"\\"\${BATON_RUN_ID:-}\\""*)`);
  });
  it('writes a layout cache the shim can read line by line, keyed by the lines that decide it', () => {
    const fp = layoutFingerprint('a: 1\nbranchPrefix: x/ # c\nb: 2\nc: 3\n# worktreesDir\nd: 4');
    expect(fp).toBe('branchPrefix: x/ # c\nb: 2\n# worktreesDir\nd: 4\n');
    expect(layoutFingerprint('agents: {}\n')).toBe('');
    expect(layoutFingerprint(DEFAULT_CONFIG_YAML)).toContain('\nbranchPrefix: task/\n');
    expect(formatLayoutCache(layout, fp)).toBe(
      `# written by baton: the task layout, for the hook shims, while the baton.yaml lines below are unchanged\nprefix=task/\nworktrees=/r/repo.worktrees\n--\n${fp}`,
    );
    expect(formatLayoutCache({ ...layout, worktreesDir: '/a\nb' }, fp)).toBeNull();
  });
  it("knows baton's default layout", () => {
    expect(DEFAULTS.branchPrefix).toBe('task/');
    expect(DEFAULT_WORKTREES_DIR).toBe('../<repo-name>.worktrees');
    expect(template).toContain('prefix=task/ worktrees=${where_root%/*}/${where_root##*/}.worktrees\n');
  });
});

describe('runsOf: what git runs for a hook, said plainly', () => {
  const base = {
    name: 'pre-commit' as const,
    path: '/r/.git/hooks/pre-commit',
    text: null,
    executable: true,
  };
  it.each([
    [{ state: 'shim', chained: true, legacyShim: false }, "baton's check, then pre-commit.baton-chained"],
    [{ state: 'shim', chained: false, legacyShim: false }, "baton's check"],
    [{ state: 'absent', chained: true, legacyShim: false }, 'nothing (no hook file)'],
    [
      { state: 'foreign', chained: true, legacyShim: false },
      "pre-commit only (not baton's): baton's check does not run",
    ],
    [
      { state: 'foreign', chained: false, legacyShim: true },
      "pre-commit (not baton's), which runs baton's check kept as pre-commit.legacy (pre-commit's migration mode)",
    ],
  ] as const)('%o → %s', (f, says) => {
    expect(runsOf({ ...base, ...f })).toBe(says);
  });
});
