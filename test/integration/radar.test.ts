/**
 * The conflict radar (docs/design.md, "The conflict radar"): two tasks that edit the same lines
 * are reported against each other with the files, a task whose base moved under it is reported,
 * disjoint edits are not; `onConflict: followup` sends one follow-up per new conflict (not per
 * heartbeat, not again after a restart or with radar.json gone); the `conflict` notification goes
 * out once; a heartbeat where no branch moved starts no radar git process (counted by a `git` on
 * PATH that logs its calls); an older git turns the radar off with one sentence, never the watcher.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeAgentsYaml, makeRig, markedPids, projectRoot, spawnBaton, type Rig } from '../helpers/rig.js';

const shimDir = path.join(projectRoot, 'test/fixtures/git-shim');
const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
const notifier = path.join(projectRoot, 'test/fixtures/notifier.mjs');

/** git commands only the radar runs (the rest of a heartbeat runs `worktree list`). */
const RADAR_COMMANDS = /^(merge-tree|log|rev-list|diff|for-each-ref|version)\b/;

let rig: Rig;
let notified: string;
beforeEach(async () => {
  rig = await makeRig();
  notified = path.join(rig.base, 'notified.jsonl');
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: rig.root, encoding: 'utf8' });
  writeFileSync(path.join(rig.root, 'shared.txt'), 'one\ntwo\nthree\n');
  writeFileSync(path.join(rig.root, 'other.txt'), 'uno\ndos\ntres\n');
  git('add', 'shared.txt', 'other.txt');
  git('commit', '-q', '-m', 'shared files');
});
afterEach(async () => {
  await rig.cleanup();
});

const config = (extra = ''): string =>
  fakeAgentsYaml(
    [
      extra,
      'notify:',
      `  - command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(notifier)}, ${JSON.stringify(notified)}, "{event}:{slug}"]`,
      '    events: [conflict]',
    ].join('\n'),
  );

/** Dispatches each task (a quick fake run) and waits until all are idle: each has a worktree and branch. */
async function liveTasks(slugs: string[], front: Record<string, unknown> = {}): Promise<void> {
  for (const slug of slugs) await rig.writeTask(slug, `Work on ${slug}.`, { status: 'ready', ...front });
  for (const slug of slugs) {
    const r = await rig.baton(['dispatch', slug]);
    expect(r.code, r.stderr).toBe(0);
  }
  await rig.waitFor('every task idle', () => slugs.every((s) => rig.isIdle(s)));
}

/** Commits `text` as `file` in `dir` (a task's worktree, as its agent would, or the main checkout). */
function commit(dir: string, file: string, text: string, message: string): void {
  writeFileSync(path.join(dir, file), text);
  const env = { ...rig.env, BATON_ALLOW: '1' };
  execFileSync('git', ['add', file], { cwd: dir, env });
  execFileSync('git', ['commit', '-q', '-m', message], { cwd: dir, env });
}

const wt = (slug: string): string => path.join(rig.worktreesDir, slug);

interface Heartbeat {
  ts: string;
  tasks: { slug: string; behind?: number; conflicts?: { with: string; kind: string; files: string[] }[] }[];
  radar: { off: string | null; measured: { branches: number; pairs: number }; newConflicts: number };
}

async function once(env: Record<string, string> = {}): Promise<Heartbeat> {
  const r = await rig.baton(['watch', '--once', '--json'], { env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(readFileSync(path.join(rig.root, 'tasks/logs/heartbeat.json'), 'utf8')) as Heartbeat;
}

const taskOf = (hb: Heartbeat, slug: string): Heartbeat['tasks'][number] => {
  const t = hb.tasks.find((x) => x.slug === slug);
  if (!t) throw new Error(`no ${slug} in heartbeat.json`);
  return t;
};

const deliveries = (): Record<string, unknown>[] =>
  existsSync(notified)
    ? readFileSync(notified, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { stdin: Record<string, unknown> }).stdin)
    : [];

/** Waits until every notification deliverer started under the rig has ended: nothing more can arrive. */
const deliverersDone = (): Promise<boolean> =>
  rig.waitFor('the deliverers to end', () =>
    markedPids(rig.env.BATON_TEST_MARKER!).every((pid) => {
      try {
        return !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('notify-main.js');
      } catch {
        return true;
      }
    }),
  );

const conflictRecords = (slug: string): Record<string, unknown>[] =>
  rig.history(slug).filter((e) => e.type === 'conflict_found');

/** Follow-ups the radar queued for `slug`: drops still in tasks/ plus those accepted into history. */
const radarFollowups = (slug: string): number =>
  readdirSync(path.join(rig.root, 'tasks')).filter((n) => n.startsWith(`${slug}.conflict-`)).length +
  rig
    .history(slug)
    .filter((e) => e.type === 'followup_received' && String(e.file ?? '').includes('.conflict-')).length;

describe('conflict radar', () => {
  it('reports two tasks editing the same lines against each other, a task whose base moved, and not disjoint edits', async () => {
    await rig.writeConfig(config());
    await liveTasks(['alpha', 'beta', 'gamma']);
    commit(wt('alpha'), 'shared.txt', 'one\nALPHA\nthree\n', 'alpha edits line 2');
    commit(wt('beta'), 'shared.txt', 'one\nBETA\nthree\n', 'beta edits line 2');
    commit(wt('gamma'), 'other.txt', 'uno\nGAMMA\ntres\n', 'gamma edits other.txt');

    const first = await once();
    expect(first.radar.off).toBeNull();
    expect(taskOf(first, 'alpha').conflicts).toEqual([
      { with: 'beta', kind: 'task', branch: 'task/beta', files: ['shared.txt'] },
    ]);
    expect(taskOf(first, 'beta').conflicts).toEqual([
      { with: 'alpha', kind: 'task', branch: 'task/alpha', files: ['shared.txt'] },
    ]);
    expect(taskOf(first, 'gamma').conflicts).toEqual([]); // other.txt: nobody else touched it
    expect(taskOf(first, 'gamma').behind).toBe(0);

    // The base moves: main edits the line gamma edited, and adds an unrelated commit.
    commit(rig.root, 'other.txt', 'uno\nMAIN\ntres\n', 'main edits other.txt');
    commit(rig.root, 'README.md', '# moved\n', 'main moves on');
    const second = await once();
    expect(taskOf(second, 'gamma').conflicts).toEqual([
      { with: 'main', kind: 'base', branch: 'main', files: ['other.txt'] },
    ]);
    expect(taskOf(second, 'gamma').behind).toBe(2);
    expect(taskOf(second, 'alpha').behind).toBe(2);
    expect(taskOf(second, 'alpha').conflicts?.map((c) => c.with)).toEqual(['beta']); // not main

    // Tips are read from git's files: packed refs (after `git pack-refs`, or a gc) read the same.
    execFileSync('git', ['pack-refs', '--all'], { cwd: rig.root });
    expect(existsSync(path.join(rig.root, '.git/refs/heads/task/alpha'))).toBe(false);
    const packed = await once();
    expect(packed.radar.measured).toEqual({ branches: 0, pairs: 0 });
    expect(taskOf(packed, 'gamma').conflicts).toEqual(taskOf(second, 'gamma').conflicts);

    // status: --json carries the list and the distance; the text marks the tasks, with the files.
    const json = JSON.parse((await rig.baton(['status', '--json'])).stdout) as {
      tasks: { slug: string; behind: number | null; conflicts: { with: string; files: string[] }[] }[];
    };
    const st = (s: string) => json.tasks.find((t) => t.slug === s);
    expect(st('gamma')).toMatchObject({ behind: 2, conflicts: [{ with: 'main', files: ['other.txt'] }] });
    expect(st('alpha')?.conflicts).toMatchObject([{ with: 'beta', files: ['shared.txt'] }]);
    const text = (await rig.baton(['status'], { env: { COLUMNS: '160' } })).stdout;
    expect(text).toMatch(/Conflicts \(3 tasks/);
    expect(text).toContain('alpha: conflicts with beta (task/beta) in shared.txt; 2 commits behind main');
    expect(text).toContain('gamma: conflicts with its base main in other.txt; 2 commits behind main');

    // Each conflict told once: one notification per conflict, one record per task told.
    await rig.waitFor('two conflict notifications', () => deliveries().length >= 2);
    await once(); // a heartbeat with nothing moved tells nothing again
    await deliverersDone();
    const told = deliveries();
    expect(told.map((d) => `${String(d.event)}:${String(d.slug)}`).sort()).toEqual([
      'conflict:alpha',
      'conflict:gamma',
    ]);
    expect(told.find((d) => d.slug === 'alpha')).toMatchObject({ with: 'beta', files: ['shared.txt'] });
    expect(conflictRecords('alpha')).toHaveLength(1);
    expect(conflictRecords('beta')).toHaveLength(1);
    expect(conflictRecords('gamma')).toHaveLength(1);
    expect((await rig.baton(['history', 'gamma'])).stdout).toContain(
      'conflict: conflicts with its base main in other.txt',
    );
  }, 90_000);

  it('onConflict: followup queues one follow-up per new conflict, not per heartbeat or restart', async () => {
    await rig.writeConfig(config('onConflict: followup\nheartbeatSeconds: 1'));
    await liveTasks(['alpha', 'beta']);
    // beta reports only: its own front matter overrides baton.yaml.
    await rig.writeTask('beta', 'Work on beta.', { status: 'ready', onConflict: 'report' });
    commit(wt('alpha'), 'shared.txt', 'one\nALPHA\nthree\n', 'alpha edits line 2');
    commit(wt('beta'), 'shared.txt', 'one\nBETA\nthree\n', 'beta edits line 2');

    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    // The drop is ingested on its event and runs as a follow-up in alpha's session.
    const prompt = await rig.waitFor('the follow-up reached alpha', () =>
      rig
        .fakeEvents()
        .find(
          (e) =>
            e.event === 'start' &&
            (e.env as Record<string, string>).BATON_SLUG === 'alpha' &&
            String(e.prompt).includes('Rebase onto main'),
        ),
    );
    expect(String(prompt.prompt)).toContain('- shared.txt');
    expect(String(prompt.prompt)).toContain('task/beta (task beta)');
    await rig.waitFor('alpha idle again', () => rig.isIdle('alpha'));
    // Heartbeats go on (1 s) with the same tips: nothing more is sent.
    const hb = path.join(rig.root, 'tasks/logs/heartbeat.json');
    const seen = new Set<string>();
    await rig.waitFor('three more heartbeats', () => {
      seen.add((JSON.parse(readFileSync(hb, 'utf8')) as Heartbeat).ts);
      return seen.size >= 4;
    });
    process.kill(w.pid, 'SIGTERM');
    await w.exited;
    // A restarted watcher, even with the radar's cache gone, sends nothing again: history has the key.
    rmSync(path.join(rig.root, 'tasks/logs/radar.json'));
    const again = await once();
    expect(again.radar.measured.pairs).toBe(1); // it did merge the pair again
    expect(again.radar.newConflicts).toBe(0);
    expect(radarFollowups('alpha')).toBe(1);
    expect(radarFollowups('beta')).toBe(0);
    expect(conflictRecords('alpha')).toMatchObject([{ with: 'beta', followup: true }]);
    expect(conflictRecords('beta')).toMatchObject([{ with: 'alpha', followup: false }]);

    // A new tip is a new conflict: beta commits again on the same lines.
    commit(wt('beta'), 'shared.txt', 'one\nBETA2\nthree\n', 'beta edits line 2 again');
    const moved = await once();
    expect(moved.radar.newConflicts).toBe(2);
    expect(radarFollowups('alpha')).toBe(2);
  }, 120_000);

  it('a kill -9 after telling and before radar.json is written tells nothing twice', async () => {
    await rig.writeConfig(config('onConflict: followup'));
    await liveTasks(['alpha', 'beta']);
    commit(wt('alpha'), 'shared.txt', 'one\nALPHA\nthree\n', 'alpha edits line 2');
    commit(wt('beta'), 'shared.txt', 'one\nBETA\nthree\n', 'beta edits line 2');
    const crashLog = path.join(rig.base, 'crash.jsonl');
    const killed = await rig.baton(['watch', '--once', '--json'], {
      env: { BATON_CRASH_AT: 'radar.before-cache', BATON_CRASH_LOG: crashLog },
    });
    expect(killed.code).not.toBe(0);
    expect(readFileSync(crashLog, 'utf8')).toContain('radar.before-cache');
    expect(existsSync(path.join(rig.root, 'tasks/logs/radar.json'))).toBe(false);
    expect(conflictRecords('alpha')).toHaveLength(1);
    const after = await once();
    expect(after.radar.measured.pairs).toBe(1); // measured again: the cache never said it was
    expect(after.radar.newConflicts).toBe(0);
    expect(conflictRecords('alpha')).toHaveLength(1);
    expect(conflictRecords('beta')).toHaveLength(1);
    expect(radarFollowups('alpha')).toBe(1);
    expect(radarFollowups('beta')).toBe(1);
    await rig.waitFor('one notification', () => deliveries().length >= 1);
    await deliverersDone();
    expect(deliveries()).toHaveLength(1);
  }, 90_000);

  it('measures a base: after task against its dependency’s branch, where it started', async () => {
    await rig.writeConfig(config());
    await liveTasks(['parent']);
    commit(wt('parent'), 'shared.txt', 'one\nPARENT\nthree\n', 'parent edits line 2');
    await rig.writeTask('parent', 'Work on parent.', { status: 'done' });
    await rig.writeTask('child', 'Work on child.', { status: 'ready', base: 'after', after: '[parent]' });
    const r = await rig.baton(['dispatch', 'child']);
    expect(r.code, r.stderr).toBe(0);
    await rig.waitFor('child idle', () => rig.isIdle('child'));
    // The child builds on parent's line; parent then rewrites the same line under it.
    commit(wt('child'), 'shared.txt', 'one\nPARENT and CHILD\nthree\n', 'child edits line 2');
    commit(wt('parent'), 'shared.txt', 'one\nPARENT v2\nthree\n', 'parent rewrites line 2');
    const hb = await once();
    expect(taskOf(hb, 'child')).toMatchObject({
      behind: 1,
      conflicts: [{ with: 'task/parent', kind: 'base', branch: 'task/parent', files: ['shared.txt'] }],
    });
    const json = JSON.parse((await rig.baton(['status', '--json'])).stdout) as {
      tasks: { slug: string; base: string | null }[];
    };
    expect(json.tasks.find((t) => t.slug === 'child')?.base).toBe('task/parent');
    expect(json.tasks.find((t) => t.slug === 'parent')?.base).toBe('main');
  }, 90_000);

  it('a heartbeat where no branch moved starts no radar git process; one that moved does', async () => {
    await rig.writeConfig(config('heartbeatSeconds: 1'));
    await liveTasks(['alpha', 'beta']);
    commit(wt('alpha'), 'shared.txt', 'one\nALPHA\nthree\n', 'alpha');
    const log = path.join(rig.base, 'git-calls.log');
    const env = {
      ...rig.env,
      PATH: `${shimDir}:${rig.env.PATH ?? ''}`,
      GIT_SHIM_LOG: log,
      GIT_SHIM_REAL: realGit,
    };
    const w = spawnBaton({ ...rig, env }, ['watch']);
    const hb = path.join(rig.root, 'tasks/logs/heartbeat.json');
    const beats = new Map<string, Heartbeat>();
    const beat = (): Heartbeat | null => {
      try {
        const h = JSON.parse(readFileSync(hb, 'utf8')) as Heartbeat;
        beats.set(h.ts, h);
        return h;
      } catch {
        return null; // being replaced
      }
    };
    await w.waitForLine(/watching/);
    const calls = (): string[] =>
      existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
    // The first cycle measured both branches; from the next, nothing has moved.
    await rig.waitFor('a heartbeat after the first', () => beat() && beats.size >= 2);
    const before = calls().length;
    const at = beats.size;
    await rig.waitFor('three idle heartbeats', () => beat() && beats.size >= at + 3);
    const idle = calls().slice(before);
    expect(idle.filter((c) => RADAR_COMMANDS.test(c))).toEqual([]);
    expect([...beats.values()].slice(-3).every((b) => b.radar.measured.branches === 0)).toBe(true);
    // Now beta moves: its next heartbeat merges it, into main and against alpha.
    commit(wt('beta'), 'shared.txt', 'one\nBETA\nthree\n', 'beta');
    const moved = await rig.waitFor('a heartbeat that saw beta move', () => {
      const b = beat();
      return b && b.radar.measured.branches > 0 ? b : null;
    });
    expect(moved.radar.measured).toEqual({ branches: 1, pairs: 1 });
    // One `git log` for beta, one `merge-tree --stdin` for both merges.
    expect(
      calls().filter((c) => c.startsWith('merge-tree --write-tree --stdin')).length,
    ).toBeGreaterThanOrEqual(1);
    process.kill(w.pid, 'SIGTERM');
    await w.exited;
    // What an idle heartbeat runs besides, from before the radar: the misplaced-branch check's
    // `worktree list` and the hooks self-heal's look at core.hooksPath, one each per heartbeat.
    expect(idle.filter((c) => !/^(worktree list|config .*core\.hooksPath)/.test(c))).toEqual([]);
  }, 90_000);

  it('turns itself off with one sentence on a git older than 2.38, and the watcher goes on', async () => {
    await rig.writeConfig(config());
    await liveTasks(['alpha']);
    commit(wt('alpha'), 'shared.txt', 'one\nALPHA\nthree\n', 'alpha');
    const env = {
      PATH: `${shimDir}:${rig.env.PATH ?? ''}`,
      GIT_SHIM_REAL: realGit,
      GIT_SHIM_VERSION: '2.37.1',
    };
    const hb = await once(env);
    expect(hb.radar.off).toBe(
      'The conflict radar is off: git version 2.37.1 is older than git 2.38, whose `git merge-tree --write-tree` it needs; upgrade git to turn it on.',
    );
    expect(taskOf(hb, 'alpha').conflicts ?? []).toEqual([]);
    const text = (await rig.baton(['status'], { env: { ...env, COLUMNS: '200' } })).stdout;
    expect(text).toContain('The conflict radar is off: git version 2.37.1 is older than git 2.38');
    // With a git that has it, the radar runs again.
    const back = await once();
    expect(back.radar.off).toBeNull();
    expect(taskOf(back, 'alpha').conflicts).toEqual([]);
  }, 60_000);
});
