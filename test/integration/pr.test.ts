/**
 * Pull requests end to end (README.md, "Pull requests"): `baton pr` pushes to a real bare
 * repository and opens the PR through a fake `gh` on PATH that answers like the real one
 * (test/fixtures/fake-gh.mjs, from the recorded shapes in test/fixtures/samples/); a second call
 * adopts it. The watcher sends a failing check and review comments to the task once each per
 * head commit and comment, across a kill -9 of the watcher; a merge makes the task done (and
 * removes its worktree with removeOnMerge); a close removes nothing. When the forge is not there,
 * `baton pr` says so in one sentence (exit 1) and the watcher says it once and backs off.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  agentStarts,
  fakeAgentsYaml,
  makeRig,
  projectRoot,
  spawnBaton,
  type Background,
  type Rig,
} from '../helpers/rig.js';

const fakeGh = path.join(projectRoot, 'test/fixtures/fake-gh.mjs');
const sample = JSON.parse(
  readFileSync(path.join(projectRoot, 'test/fixtures/samples/gh-pr-view.json'), 'utf8'),
) as {
  statusCheckRollup: Record<string, unknown>[];
  reviews: Record<string, unknown>[];
};
const inlineSample = JSON.parse(
  readFileSync(path.join(projectRoot, 'test/fixtures/samples/gh-pr-comments.json'), 'utf8'),
) as Record<string, unknown>[];

interface GhState {
  mode: 'ok' | 'logged_out' | 'rate_limited';
  nextNumber: number;
  prs: { number: number; head: string; state: string }[];
  views: Record<string, Record<string, unknown>>;
  inline: Record<string, Record<string, unknown>[]>;
  logs: Record<string, string>;
}

let rig: Rig;
let remote: string;
let stateFile: string;
let ghLog: string;
let pathWithoutGh: string;
beforeEach(async () => {
  rig = await makeRig();
  remote = path.join(rig.base, 'remote.git');
  execFileSync('git', ['init', '-q', '--bare', remote]);
  git(rig.root, 'remote', 'add', 'origin', remote);
  const bin = path.join(rig.base, 'bin');
  await fs.mkdir(bin);
  symlinkSync(fakeGh, path.join(bin, 'gh'));
  pathWithoutGh = rig.env.PATH ?? '';
  stateFile = path.join(rig.base, 'gh-state.json');
  ghLog = path.join(rig.base, 'gh-calls.jsonl');
  Object.assign(rig.env, { PATH: `${bin}:${pathWithoutGh}`, FAKE_GH_STATE: stateFile, FAKE_GH_LOG: ghLog });
  setGh({ mode: 'ok', nextNumber: 7, prs: [], views: {}, inline: {}, logs: {} });
});
afterEach(async () => {
  await rig.cleanup();
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: rig.env, encoding: 'utf8' });
}
function gh(): GhState {
  return JSON.parse(readFileSync(stateFile, 'utf8')) as GhState;
}
function setGh(s: GhState): void {
  writeFileSync(`${stateFile}.tmp`, JSON.stringify(s));
  renameSync(`${stateFile}.tmp`, stateFile);
}
function changeGh(f: (s: GhState) => void): void {
  const s = gh();
  f(s);
  setGh(s);
}
/** Every gh call so far whose argv starts with `words`. */
function calls(...words: string[]): string[][] {
  if (!existsSync(ghLog)) return [];
  return readFileSync(ghLog, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { argv: string[] }).argv)
    .filter((argv) => words.every((w, i) => argv[i] === w));
}
/** When each gh call whose argv starts with `words` was made (ms). */
function times(...words: string[]): number[] {
  return readFileSync(ghLog, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { argv: string[]; at: number })
    .filter((c) => words.every((w, i) => c.argv[i] === w))
    .map((c) => c.at);
}
const of = (slug: string, type: string): Record<string, unknown>[] =>
  rig.history(slug).filter((h) => h.type === type);
const fromPr = (slug: string): Record<string, unknown>[] =>
  of(slug, 'followup_received').filter((h) => /\.pr-[0-9a-f]+\.followup\.md$/.test(String(h.file)));
const prompts = (slug: string): string[] => agentStarts(rig, slug).map((e) => String(e.prompt));

/** A task that ran and committed, waiting idle with its branch ahead of main. */
async function ranAndCommitted(slug: string): Promise<void> {
  await rig.writeTask(slug, 'Add a health endpoint.\n@fake commit', { title: `Health ${slug}` });
  const r = await rig.baton(['dispatch', slug]);
  expect(r.code, r.stderr).toBe(0);
  await rig.waitFor(`${slug} idle`, () => rig.isIdle(slug));
}
async function openedPr(slug: string): Promise<number> {
  await ranAndCommitted(slug);
  const r = await rig.baton(['pr', slug]);
  expect(r.code, r.stderr).toBe(0);
  const file = path.join(rig.root, `tasks/logs/dispatch-${slug}.pr.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { number: number }).number;
}
async function statusJson(slug: string): Promise<Record<string, unknown>> {
  const r = await rig.baton(['status', '--json']);
  const tasks = (JSON.parse(r.stdout) as { tasks: Record<string, unknown>[] }).tasks;
  return tasks.find((t) => t.slug === slug)!;
}
/** The failing check of the sample on `head`, as its Actions run 5000, job `job`. */
function failingOn(head: string, job: number): Record<string, unknown> {
  return {
    headRefOid: head,
    statusCheckRollup: sample.statusCheckRollup.map((c) =>
      c.conclusion === 'FAILURE'
        ? { ...c, detailsUrl: `https://github.com/acme/shop/actions/runs/5000/job/${job}` }
        : c,
    ),
    reviews: [],
    comments: [],
    reviewDecision: 'REVIEW_REQUIRED',
    mergeStateStatus: 'BLOCKED',
  };
}
const failedLog = [
  ...Array.from(
    { length: 30 },
    (_, i) =>
      `build (ubuntu-latest)\tRun npm test\t2026-12-07T10:00:${String(i).padStart(2, '0')}.1Z noise line ${i}`,
  ),
  'build (ubuntu-latest)\tRun npm test\t2026-12-07T10:00:31.1Z FAIL test/health.test.ts > returns 200',
  'build (ubuntu-latest)\tRun npm test\t2026-12-07T10:00:32.1Z ##[error]Process completed with exit code 1.',
].join('\n');

describe('baton pr', () => {
  it('pushes the branch to the remote, opens the PR and records it; a second call adopts it', async () => {
    await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 3600'));
    await ranAndCommitted('alpha');
    const r = await rig.baton(['pr', 'alpha']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'pushed task/alpha to origin; opened pull request #7 into main: https://github.com/acme/shop/pull/7',
    );
    // The bare repository has the branch at the task's head, and it tracks it.
    expect(git(remote, 'rev-parse', 'refs/heads/task/alpha')).toBe(
      git(rig.root, 'rev-parse', 'refs/heads/task/alpha'),
    );
    expect(git(rig.root, 'rev-parse', '--abbrev-ref', 'task/alpha@{upstream}').trim()).toBe(
      'origin/task/alpha',
    );
    expect(calls('pr', 'create')).toEqual([
      [
        'pr',
        'create',
        '--head',
        'task/alpha',
        '--base',
        'main',
        '--title',
        'Health alpha',
        '--body',
        expect.stringContaining('Add a health endpoint.'),
      ],
    ]);
    expect(of('alpha', 'pr_opened')).toEqual([
      expect.objectContaining({
        number: 7,
        url: 'https://github.com/acme/shop/pull/7',
        branch: 'task/alpha',
        base: 'main',
        adopted: false,
      }),
    ]);
    expect((await statusJson('alpha')).pr).toMatchObject({
      number: 7,
      state: 'OPEN',
      url: 'https://github.com/acme/shop/pull/7',
      problem: null,
    });

    // The same again, and from another machine's point of view (no record): adopted, never created twice.
    expect((await rig.baton(['pr', 'alpha'])).stdout).toContain('pull request #7');
    await fs.rm(path.join(rig.root, 'tasks/logs/dispatch-alpha.pr.json'));
    const again = await rig.baton(['pr', 'alpha', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ number: 7, adopted: true });
    expect(calls('pr', 'create')).toHaveLength(1);
    expect(calls('pr', 'list')).toHaveLength(3);
    expect(calls('pr', 'list')[0]).toEqual([
      'pr',
      'list',
      '--head',
      'task/alpha',
      '--state',
      'open',
      '--json',
      'number,url,state',
    ]);
    expect(of('alpha', 'pr_opened').map((h) => h.adopted)).toEqual([false, true]);
  });
});

describe('baton pr of a task that starts from its dependency (base: after)', () => {
  it('opens the PR into the branch the dependency goes into, not into "after"', async () => {
    await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 3600'));
    await ranAndCommitted('dep');
    await rig.writeTask('stacked', 'Build on dep.\n@fake commit', {
      title: 'Stacked',
      after: ['dep'],
      base: 'after',
    });
    const d = await rig.baton(['dispatch', 'stacked', '--force']);
    expect(d.code, d.stderr).toBe(0);
    await rig.waitFor('stacked idle', () => rig.isIdle('stacked'));
    const r = await rig.baton(['pr', 'stacked']);
    expect(r.code, r.stderr).toBe(0);
    const create = calls('pr', 'create').find((argv) => argv.includes('task/stacked'))!;
    expect(create.slice(2, 6)).toEqual(['--head', 'task/stacked', '--base', 'main']);
    expect(of('stacked', 'pr_opened')).toEqual([expect.objectContaining({ base: 'main' })]);
  });
});

describe('the PR watch', () => {
  it('sends a failing check once per head commit, with its log, across a kill -9 of the watcher', async () => {
    await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 3600\npr:\n  pollSeconds: 0.3\n  logLines: 3'));
    const n = await openedPr('alpha');
    changeGh((s) => {
      s.views[n] = failingOn('1111111111111111111111111111111111111111', 111);
      s.logs['5000'] = failedLog;
    });
    let w: Background = spawnBaton(rig, ['watch']);
    await rig.waitFor('one reaction', () => of('alpha', 'pr_checks_failed').length === 1);
    await rig.waitFor('its follow-up ran', () => rig.isIdle('alpha') && prompts('alpha').length === 2);
    const sent = prompts('alpha')[1]!;
    expect(sent).toContain('CI failed on pull request #7');
    expect(sent).toContain('build (ubuntu-latest)');
    expect(sent).toContain('Run npm test | FAIL test/health.test.ts > returns 200');
    expect(sent).not.toContain('noise line 28'); // the last logLines (3) lines only
    expect(calls('run', 'view')).toEqual([['run', 'view', '5000', '--log-failed']]);

    // kill -9 the watcher and start another: its polls send nothing again.
    process.kill(w.pid, 'SIGKILL');
    await w.exited;
    const viewed = calls('pr', 'view').length;
    w = spawnBaton(rig, ['watch']);
    await rig.waitFor('three more polls', () => calls('pr', 'view').length >= viewed + 3);
    expect(of('alpha', 'pr_checks_failed')).toHaveLength(1);
    expect(fromPr('alpha')).toHaveLength(1);

    // The same failure on a new head commit is sent once more.
    changeGh((s) => {
      s.views[n] = failingOn('2222222222222222222222222222222222222222', 222);
    });
    await rig.waitFor('a second reaction', () => of('alpha', 'pr_checks_failed').length === 2);
    await rig.waitFor('its follow-up ran', () => rig.isIdle('alpha') && prompts('alpha').length === 3);
    process.kill(w.pid, 'SIGKILL');
    await w.exited;
    const viewed2 = calls('pr', 'view').length;
    w = spawnBaton(rig, ['watch']);
    await rig.waitFor('three more polls', () => calls('pr', 'view').length >= viewed2 + 3);
    expect(of('alpha', 'pr_checks_failed').map((h) => h.keys)).toEqual([
      ['check:1111111111111111111111111111111111111111:111'],
      ['check:2222222222222222222222222222222222222222:222'],
    ]);
    expect(fromPr('alpha')).toHaveLength(2);
    expect(prompts('alpha')).toHaveLength(3);
    expect((await statusJson('alpha')).pr).toMatchObject({
      failingChecks: ['build (ubuntu-latest)'],
      problem: null,
    });
    process.kill(w.pid, 'SIGTERM');
    expect(await w.exited).toBe(0);
  });

  it('opens the PR of a run that ends idle with commits (openOnIdle), queues a reaction behind a running worker, and waits for a running worker before a merge makes the task done', async () => {
    await rig.writeConfig(
      fakeAgentsYaml('heartbeatSeconds: 3600\npr:\n  pollSeconds: 0.3\n  openOnIdle: true'),
    );
    // The PR to be opened (#7) is green and unreviewed at first.
    changeGh((s) => {
      s.views['7'] = { headRefOid: '3'.repeat(40), statusCheckRollup: [], reviews: [], comments: [] };
    });
    /** A follow-up for alpha whose run holds until the file `gate` exists; returns once it runs. */
    const heldFollowup = async (prompt: string, gate: string, running: string): Promise<void> => {
      expect(
        (await rig.baton(['followup', 'alpha', `${prompt}\n@fake sleep=100\n@fake wait-for=${gate}`])).code,
      ).toBe(0);
      await rig.waitFor(running, () => rig.status('alpha')?.state === 'running');
    };
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    await rig.writeTask('alpha', 'Add a health endpoint.\n@fake commit', { title: 'Health' });
    await rig.writeTask('plain', 'Only look around.');
    await rig.waitFor('alpha has its PR', () => of('alpha', 'pr_opened').length === 1);
    expect(of('alpha', 'pr_opened')[0]).toMatchObject({ number: 7, by: 'idle', adopted: false });
    expect(git(remote, 'rev-parse', 'refs/heads/task/alpha')).toBe(
      git(rig.root, 'rev-parse', 'refs/heads/task/alpha'),
    );
    await rig.waitFor('plain idle', () => rig.isIdle('plain'));
    const viewed = calls('pr', 'view').length;
    await rig.waitFor('two more polls', () => calls('pr', 'view').length >= viewed + 2);
    expect(existsSync(path.join(rig.root, 'tasks/logs/dispatch-plain.pr.json'))).toBe(false); // nothing to open
    expect(calls('pr', 'create')).toHaveLength(1);

    // A check fails while a follow-up's run is on: the reaction waits in the inbox, then runs.
    const go = path.join(rig.base, 'go');
    await heldFollowup('Look again.', go, 'running');
    changeGh((s) => {
      s.views['7'] = failingOn('4'.repeat(40), 444);
      s.logs['5000'] = failedLog;
    });
    await rig.waitFor('the reaction accepted', () => fromPr('alpha').length === 1);
    expect(await statusJson('alpha')).toMatchObject({ state: 'running', pendingFollowups: 1 });
    await fs.writeFile(go, '');
    await rig.waitFor('both ran', () => rig.isIdle('alpha') && prompts('alpha').length === 3);
    expect(prompts('alpha')[1]).toContain('Look again.');
    expect(prompts('alpha')[2]).toContain('CI failed on pull request #7');
    expect(of('alpha', 'pr_checks_failed')).toHaveLength(1);

    // Merged while a run is on: the run finishes, then the task is done (and stays so).
    const go2 = path.join(rig.base, 'go2');
    await heldFollowup('Tidy up.', go2, 'running again');
    changeGh((s) => {
      s.views['7'] = { ...s.views['7'], state: 'MERGED' };
    });
    await w.waitForLine(/alpha: PR #7 was merged; the task becomes done when its worker ends/);
    expect(rig.status('alpha')?.state).toBe('running');
    expect(of('alpha', 'pr_merged')).toEqual([]);
    await fs.writeFile(go2, '');
    await rig.waitFor(
      'done',
      () => rig.status('alpha')?.state === 'done' && rig.status('alpha')?.pid === null,
    );
    await w.waitForLine(/alpha: PR #7 merged; the task is done/);
    expect(of('alpha', 'pr_merged')).toHaveLength(1);
    expect(prompts('alpha')).toHaveLength(4);
    process.kill(w.pid, 'SIGTERM');
    expect(await w.exited).toBe(0);
  });

  it('sends a reaction recorded by a watcher killed before it wrote the drop, once, at the next poll', async () => {
    await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 3600\npr:\n  pollSeconds: 0.05'));
    const n = await openedPr('alpha');
    changeGh((s) => {
      s.views[n] = failingOn('5'.repeat(40), 555);
      s.logs['5000'] = failedLog;
    });
    const crashed = await rig.baton(['watch', '--once'], { env: { BATON_CRASH_AT: 'pr.after-record' } });
    expect(crashed.code).not.toBe(0);
    expect(of('alpha', 'pr_checks_failed')).toHaveLength(1);
    expect(fromPr('alpha')).toEqual([]); // recorded, never written
    const poll = async (): Promise<void> => {
      await rig.waitFor('poll due', () => {
        const f = path.join(rig.root, 'tasks/logs/dispatch-alpha.pr.json');
        const next = (JSON.parse(readFileSync(f, 'utf8')) as { nextPollAt: string | null }).nextPollAt;
        return next === null || Date.parse(next) <= Date.now();
      });
      const r = await rig.baton(['watch', '--once']);
      expect(r.code, r.stderr).toBe(0);
    };
    await poll();
    expect(fromPr('alpha')).toHaveLength(1);
    await rig.waitFor('it ran', () => rig.isIdle('alpha') && prompts('alpha').length === 2);
    expect(prompts('alpha')[1]).toContain('FAIL test/health.test.ts');
    await poll();
    await poll();
    expect(of('alpha', 'pr_checks_failed')).toHaveLength(1);
    expect(fromPr('alpha')).toHaveLength(1);
    expect(prompts('alpha')).toHaveLength(2);
  });

  it('sends review comments once with file, line and text; a merge makes the task done, removes its worktree and starts what waits for it; a close removes nothing', async () => {
    await rig.writeConfig(
      fakeAgentsYaml('heartbeatSeconds: 3600\npr:\n  pollSeconds: 0.05\n  removeOnMerge: true'),
    );
    const a = await openedPr('alpha');
    const b = await openedPr('beta');
    changeGh((s) => {
      s.views[a] = {
        headRefOid: 'a'.repeat(40),
        statusCheckRollup: [],
        comments: [],
        reviews: sample.reviews,
        reviewDecision: 'CHANGES_REQUESTED',
      };
      s.views[b] = {
        headRefOid: 'b'.repeat(40),
        statusCheckRollup: [],
        comments: [],
        reviews: [],
        reviewDecision: null,
      };
      s.inline[a] = [
        {
          ...inlineSample[0],
          path: 'src/health.ts',
          author_association: 'COLLABORATOR',
          line: 12,
          body: 'Return 204 for HEAD requests.',
        },
      ];
    });
    const once = async (): Promise<string> => {
      // Each poll waits for the PR's next poll time to have come.
      await rig.waitFor('polls due', () =>
        ['alpha', 'beta'].every((s) => {
          const f = path.join(rig.root, `tasks/logs/dispatch-${s}.pr.json`);
          const next = (JSON.parse(readFileSync(f, 'utf8')) as { nextPollAt: string | null }).nextPollAt;
          return next === null || Date.parse(next) <= Date.now();
        }),
      );
      const r = await rig.baton(['watch', '--once']);
      expect(r.code, r.stderr).toBe(0);
      return r.stderr;
    };
    await once();
    expect(of('alpha', 'pr_review')).toEqual([
      expect.objectContaining({
        number: a,
        keys: ['review:PRR_kwDODKw3uc5GR6yX', 'inline:1151176378'],
        comments: 2,
      }),
    ]);
    expect(of('beta', 'pr_review')).toEqual([]);
    await rig.waitFor('the review follow-up ran', () => rig.isIdle('alpha') && prompts('alpha').length === 2);
    const sent = prompts('alpha')[1]!;
    expect(sent).toContain('A reviewer requested changes on pull request #7');
    expect(sent).toContain('- src/health.ts:12 by prince-chrismc:\n  Return 204 for HEAD requests.');
    expect(sent).toContain("Let's use YAML");
    await once();
    expect(of('alpha', 'pr_review')).toHaveLength(1);
    expect(calls('api')[0]).toEqual(['api', '--paginate', `repos/{owner}/{repo}/pulls/${a}/comments`]);

    // gamma waits for alpha (dependencies): blocked until alpha's PR is merged.
    await rig.writeTask('gamma', 'Build on the health endpoint.', { after: ['alpha'] });
    await once();
    expect(rig.status('gamma')).toBeNull();

    // alpha merged, beta closed.
    const taskFile = readFileSync(path.join(rig.root, 'tasks/alpha.md'), 'utf8');
    changeGh((s) => {
      s.views[a] = { ...s.views[a], state: 'MERGED' };
      s.views[b] = { ...s.views[b], state: 'CLOSED' };
    });
    const said = await once();
    expect(said).toContain('alpha: PR #7 merged; the task is done');
    expect(said).toContain('alpha: removed its worktree (removeOnMerge)');
    expect(said).toContain('beta: PR #8 was closed without being merged; nothing was removed');
    expect(rig.status('alpha')).toMatchObject({ state: 'done', worktree: null });
    expect(of('alpha', 'pr_merged')).toHaveLength(1);
    expect(of('alpha', 'state_changed').at(-1)).toMatchObject({
      to: 'done',
      by: 'pr',
      reason: 'PR #7 merged',
    });
    expect(of('alpha', 'removed')).toHaveLength(1);
    expect(existsSync(path.join(rig.worktreesDir, 'alpha'))).toBe(false);
    expect(readFileSync(path.join(rig.root, 'tasks/alpha.md'), 'utf8')).toBe(taskFile);
    expect(git(remote, 'rev-parse', 'refs/heads/task/alpha').trim()).toMatch(/^[0-9a-f]{40}$/);
    expect(await statusJson('alpha')).toMatchObject({ state: 'done', pr: { state: 'MERGED' } });
    const told = (await rig.baton(['history', 'alpha'])).stdout;
    expect(told).toContain('pull request #7 opened: https://github.com/acme/shop/pull/7');
    expect(told).toMatch(
      /PR #7: 2 new review comments; sent as alpha\.pr-[0-9a-f]+\.followup\.md: "A reviewer requested/,
    );
    expect(told).toContain('PR #7 merged');
    expect(rig.status('beta')?.state).toBe('idle');
    expect(of('beta', 'pr_closed')).toHaveLength(1);
    expect(existsSync(path.join(rig.worktreesDir, 'beta'))).toBe(true);
    expect(await statusJson('beta')).toMatchObject({ state: 'idle', pr: { state: 'CLOSED' } });
    const st = await rig.baton(['status'], { env: { COLUMNS: '200' } });
    expect(st.stdout).toMatch(/alpha +done .*PR #7 merged/);
    expect(st.stdout).toMatch(/beta +idle .*PR #8 closed without merging/);

    // The merge made alpha done: the same cycle started gamma.
    await rig.waitFor('gamma ran', () => rig.isIdle('gamma'));

    // Polls after that ask the forge nothing about the merged PR and revive nothing (the closed
    // one is still looked at, slowly, for a reopen).
    const viewed = calls('pr', 'view', String(a)).length;
    await once();
    expect(calls('pr', 'view', String(a))).toHaveLength(viewed);
    expect(of('alpha', 'pr_merged')).toHaveLength(1);
    expect(rig.status('alpha')?.state).toBe('done');
    expect(prompts('alpha')).toHaveLength(2);
  });
});

describe('a closed PR', () => {
  it('is polled ten times more slowly; reopened, its loop resumes: pr_reopened, shown in status, and a check failing after it is sent', async () => {
    await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 3600\npr:\n  pollSeconds: 0.3\n  logLines: 3'));
    const n = await openedPr('alpha');
    const prFile = path.join(rig.root, 'tasks/logs/dispatch-alpha.pr.json');
    const record = (): Record<string, unknown> =>
      JSON.parse(readFileSync(prFile, 'utf8')) as Record<string, unknown>;
    changeGh((s) => {
      s.views[n] = { headRefOid: 'a'.repeat(40), statusCheckRollup: [], reviews: [], comments: [] };
    });
    const w = spawnBaton(rig, ['watch']);
    try {
      await rig.waitFor('a first poll', () => record().checkedAt !== null);
      changeGh((s) => {
        s.views[n] = { ...s.views[n], state: 'CLOSED' };
      });
      await rig.waitFor('the close is recorded', () => of('alpha', 'pr_closed').length === 1);
      await w.waitForLine(
        /alpha: PR #7 was closed without being merged; nothing was removed \(baton looks every 3 s for a reopen\)/,
      );
      const st = await rig.baton(['status'], { env: { COLUMNS: '200' } });
      expect(st.stdout).toMatch(
        /alpha +idle .*PR #7 closed without merging; nothing was removed; a reopen is noticed/,
      );
      expect(await statusJson('alpha')).toMatchObject({ pr: { state: 'CLOSED', reopenedAt: null } });
      // Still closed: looked at again, slowly (every 10 × 0.3 s), and nothing is said or recorded.
      const closedAt = times('pr', 'view').at(-1)!;
      await rig.waitFor(
        'two slow polls',
        () => times('pr', 'view').filter((t) => t > closedAt).length >= 2,
        20_000,
      );
      // The record says when: 3 s after each look (an open PR: 0.3 s). The gh calls' own times
      // also include each fake gh's start, which varies under load: far apart, not exactly 3 s.
      const gap = (): number =>
        Date.parse(String(record().nextPollAt)) - Date.parse(String(record().checkedAt));
      expect(gap()).toBe(3000);
      const after = [closedAt, ...times('pr', 'view').filter((t) => t > closedAt)];
      for (let i = 1; i < after.length; i++) expect(after[i]! - after[i - 1]!).toBeGreaterThanOrEqual(2000);
      expect(of('alpha', 'pr_closed')).toHaveLength(1);
      expect(of('alpha', 'pr_reopened')).toHaveLength(0);

      // Reopened, with a check failing on a new head: the next slow poll sees it open.
      changeGh((s) => {
        s.views[n] = { ...failingOn('c'.repeat(40), 333), state: 'OPEN' };
        s.logs['5000'] = failedLog;
      });
      await rig.waitFor('the reopen is recorded', () => of('alpha', 'pr_reopened').length === 1, 20_000);
      expect(of('alpha', 'pr_reopened')[0]).toMatchObject({ number: n, head: 'c'.repeat(40) });
      await w.waitForLine(/alpha: PR #7 was reopened; baton watches it again/);
      await rig.waitFor('the failing check is sent', () => of('alpha', 'pr_checks_failed').length === 1);
      expect(of('alpha', 'pr_checks_failed')[0]!.keys).toEqual([`check:${'c'.repeat(40)}:333`]);
      await rig.waitFor('its follow-up ran', () => rig.isIdle('alpha') && prompts('alpha').length === 2);
      expect(prompts('alpha')[1]).toContain('CI failed on pull request #7');
      expect(await statusJson('alpha')).toMatchObject({
        pr: { state: 'OPEN', failingChecks: ['build (ubuntu-latest)'], reopenedAt: expect.any(String) },
      });
      const st2 = await rig.baton(['status'], { env: { COLUMNS: '200' } });
      expect(st2.stdout).toMatch(/alpha +idle .*PR #7 reopened: failing build \(ubuntu-latest\)/);
      expect((await rig.baton(['history', 'alpha'])).stdout).toMatch(
        /PR #7 closed without being merged\n.*PR #7 reopened; watched again/,
      );
      // Open again: polled at the usual rate.
      expect(gap()).toBe(300);
      expect(of('alpha', 'pr_reopened')).toHaveLength(1);
      expect(of('alpha', 'pr_checks_failed')).toHaveLength(1);
    } finally {
      process.kill(w.pid, 'SIGTERM');
    }
    expect(await w.exited).toBe(0);

    // Closed again, and its task file gone: nobody would work on it, so it is not polled.
    const due = (): Promise<unknown> =>
      rig.waitFor('the next poll due', () => Date.parse(String(record().nextPollAt)) <= Date.now(), 10_000);
    changeGh((s) => {
      s.views[n] = { ...s.views[n], state: 'CLOSED' };
    });
    await due();
    expect((await rig.baton(['watch', '--once'])).code).toBe(0);
    expect(of('alpha', 'pr_closed')).toHaveLength(2);
    await due();
    const task = path.join(rig.root, 'tasks/alpha.md');
    renameSync(task, path.join(rig.base, 'alpha.md'));
    const viewed = calls('pr', 'view').length;
    expect((await rig.baton(['watch', '--once'])).code).toBe(0);
    expect(calls('pr', 'view')).toHaveLength(viewed);
    // Its file back: looked at again.
    renameSync(path.join(rig.base, 'alpha.md'), task);
    expect((await rig.baton(['watch', '--once'])).code).toBe(0);
    expect(calls('pr', 'view')).toHaveLength(viewed + 1);
  });
});

describe('after-merge and a merged PR', () => {
  it('counts a dependency whose PR the poll saw merged as merged, though the local base lacks the merge', async () => {
    await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 1\npr:\n  pollSeconds: 0.3'));
    const n = await openedPr('alpha');
    changeGh((s) => {
      s.views[n] = { headRefOid: 'a'.repeat(40), statusCheckRollup: [], reviews: [], comments: [] };
    });
    await rig.writeTask('beta', 'Build on the health endpoint.', { after: ['alpha'], 'after-merge': true });
    const w = spawnBaton(rig, ['watch']);
    try {
      const prFile = path.join(rig.root, 'tasks/logs/dispatch-alpha.pr.json');
      await rig.waitFor('a first poll', () => JSON.parse(readFileSync(prFile, 'utf8')).checkedAt !== null);
      expect((await statusJson('beta')).state).toBe('blocked');
      // Merged on the forge: nobody fetches, so main here does not have alpha's commits.
      changeGh((s) => {
        s.views[n] = { ...s.views[n], state: 'MERGED' };
      });
      await rig.waitFor('alpha done by its PR', () => rig.status('alpha')?.state === 'done');
      await rig.waitFor('beta ran', () => rig.isIdle('beta'), 20_000);
      expect(() => git(rig.root, 'merge-base', '--is-ancestor', 'task/alpha', 'main')).toThrow();
      expect(rig.history('beta').find((e) => e.type === 'unblocked')).toMatchObject({
        after: ['alpha'],
        afterMerge: true,
      });
    } finally {
      process.kill(w.pid, 'SIGTERM');
    }
    expect(await w.exited).toBe(0);
  });
});

describe('when the forge is not there', () => {
  it('baton pr says so in one sentence, exits 1 and changes nothing about the task', async () => {
    await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 3600'));
    await ranAndCommitted('alpha');
    const before = JSON.stringify(rig.status('alpha'));
    const fails = async (env: Record<string, string>, message: RegExp): Promise<void> => {
      const r = await rig.baton(['pr', 'alpha'], { env });
      expect(r.code, r.stdout).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(2); // the sentence, and what to do
      expect(lines[0]).toMatch(message);
    };
    await fails({ PATH: pathWithoutGh }, /^baton: gh \(the GitHub CLI\) is not installed or not on PATH\.$/);
    changeGh((s) => void (s.mode = 'logged_out'));
    await fails({}, /^baton: gh is not logged in to GitHub\.$/);
    changeGh((s) => void (s.mode = 'rate_limited'));
    await fails(
      {},
      /^baton: GitHub's API rate limit is used up \(GraphQL: API rate limit exceeded for user ID 1234567\)\.$/,
    );
    changeGh((s) => void (s.mode = 'ok'));
    // A push the remote refuses, then no remote at all.
    await fs.writeFile(
      path.join(remote, 'hooks/pre-receive'),
      '#!/bin/sh\necho "pushes are closed today" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    await fails(
      {},
      /^baton: git push to origin was refused: ! \[remote rejected\] task\/alpha -> task\/alpha \(pre-receive hook declined\)\.$/,
    );
    git(rig.root, 'remote', 'remove', 'origin');
    await fails({}, /^baton: The repository has no remote "origin" to push to and open a pull request on\.$/);
    expect(calls('pr', 'create')).toEqual([]);
    expect(() => git(remote, 'rev-parse', '--verify', '-q', 'refs/heads/task/alpha')).toThrow(); // nothing pushed
    expect(JSON.stringify(rig.status('alpha'))).toBe(before);
    expect(of('alpha', 'pr_opened')).toEqual([]);
    expect(existsSync(path.join(rig.root, 'tasks/logs/dispatch-alpha.pr.json'))).toBe(false);
  });

  it('openOnIdle with gh logged out: shown once on the task, opened once gh is logged in', async () => {
    await rig.writeConfig(
      fakeAgentsYaml('heartbeatSeconds: 3600\npr:\n  pollSeconds: 0.2\n  openOnIdle: true'),
    );
    changeGh((s) => void (s.mode = 'logged_out'));
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    await rig.writeTask('alpha', 'Add a health endpoint.\n@fake commit');
    await w.waitForLine(
      /alpha: could not open its pull request \(openOnIdle\): gh is not logged in to GitHub\. Run `gh auth login`/,
    );
    await rig.waitFor('three tries', () => calls('pr', 'list').length >= 3);
    expect(
      w
        .output()
        .split('\n')
        .filter((l) => /not logged in/.test(l)),
    ).toHaveLength(1);
    expect(await statusJson('alpha')).toMatchObject({
      state: 'idle',
      pr: { number: null, state: null, problem: { kind: 'auth', message: 'gh is not logged in to GitHub.' } },
    });
    expect(() => git(remote, 'rev-parse', '--verify', '-q', 'refs/heads/task/alpha')).toThrow();
    changeGh((s) => void (s.mode = 'ok'));
    await w.waitForLine(/alpha: opened pull request #7 \(openOnIdle\)/, 30_000);
    expect(await statusJson('alpha')).toMatchObject({
      state: 'idle',
      pr: { number: 7, state: 'OPEN', problem: null },
    });
    process.kill(w.pid, 'SIGTERM');
    expect(await w.exited).toBe(0);
  });

  it('the watcher shows it once on the task, backs off, and says when the forge answers again', async () => {
    await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 3600\npr:\n  pollSeconds: 0.5'));
    const n = await openedPr('alpha');
    changeGh((s) => {
      s.views[n] = { headRefOid: '3'.repeat(40), statusCheckRollup: [], reviews: [], comments: [] };
      s.mode = 'rate_limited';
    });
    const before = rig.status('alpha');
    const w = spawnBaton(rig, ['watch']);
    await rig.waitFor('four tries', () => calls('pr', 'view').length >= 4, 30_000);
    await rig.waitFor('four failures recorded', async () => {
      const p = (await statusJson('alpha')).pr as { problem: { failures: number } | null };
      return (p.problem?.failures ?? 0) >= 4;
    });
    // Backed off: each wait twice the one before (1, 2, 4 s), not one try per pollSeconds (0.5 s).
    const at = times('pr', 'view');
    const gaps = at.slice(1, 4).map((t, i) => t - at[i]!);
    expect(gaps[0]!).toBeGreaterThan(800);
    expect(gaps[1]!).toBeGreaterThan(1700);
    expect(gaps[2]!).toBeGreaterThan(3500);
    const said = w
      .output()
      .split('\n')
      .filter((l) => /rate limit/.test(l));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      /alpha: PR #7: GitHub's API rate limit is used up .* \(baton backs off and tries again\)$/,
    );
    const pr = (await statusJson('alpha')).pr as { problem: { kind: string; failures: number } };
    expect(pr.problem).toMatchObject({
      kind: 'rate_limited',
      message: expect.stringContaining('rate limit'),
    });
    expect(pr.problem.failures).toBeGreaterThanOrEqual(4);
    expect((await rig.baton(['status'])).stdout).toMatch(/alpha +idle .*PR #7: GitHub's API rate limit/);
    expect(rig.status('alpha')).toEqual(before); // nothing about the task changed
    expect(of('alpha', 'pr_checks_failed')).toEqual([]);

    changeGh((s) => void (s.mode = 'ok'));
    await w.waitForLine(/alpha: PR #7: the forge answers again/, 30_000);
    await rig.waitFor(
      'the problem gone',
      async () => ((await statusJson('alpha')).pr as { problem: unknown }).problem === null,
    );
    process.kill(w.pid, 'SIGTERM');
    expect(await w.exited).toBe(0);
  });
});
