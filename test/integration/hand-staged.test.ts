/**
 * Changes staged by hand in a live task's worktree (src/domain/hand-staged.ts): the hook refuses
 * the person's commit and says the staged changes stay in the index, where the agent's next
 * commit would take them in, and how to take them out; when the agent's commit does carry them,
 * history, `baton status` and the agent's own output say so, and the commit goes on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRig, type Rig } from '../helpers/rig.js';

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.cleanup();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git as a person in another terminal would: no BATON_RUN_ID, no BATON_ALLOW. */
function git(r: Rig, cwd: string, args: string[], more: Record<string, string> = {}): Run {
  const env = { ...r.env, ...more };
  delete env.BATON_ALLOW;
  const p = spawnSync('git', args, { cwd, env, encoding: 'utf8' });
  return { code: p.status ?? 1, stdout: p.stdout, stderr: p.stderr };
}

/**
 * A rig with task `slug` dispatched; its agent works until the returned `go()` is called, then
 * commits a file of its own (`git add <its file>` + `git commit`).
 */
async function liveTask(slug: string): Promise<{ rig: Rig; wt: string; go: () => Promise<void> }> {
  const rig = await makeRig();
  rigs.push(rig);
  const cue = path.join(rig.base, `go-${slug}`);
  await rig.writeTask(slug, `@fake wait-for=${cue}\n@fake commit`);
  const d = await rig.baton(['dispatch', slug]);
  expect(d.code, d.stderr).toBe(0);
  await rig.waitFor('the agent', () => rig.fakeEvents().some((e) => e.event === 'start'));
  const wt = realpathSync(path.join(rig.worktreesDir, slug));
  return { rig, wt, go: () => fs.writeFile(cue, '') };
}

const refusedIndex = (r: Rig, slug: string): string =>
  path.join(r.root, 'tasks/logs', `dispatch-${slug}.refused-index.json`);

async function agentCommitted(r: Rig, slug: string): Promise<{ stderr: string }> {
  const c = await r.waitFor('the agent commit', () => r.fakeEvents().find((e) => e.event === 'commit'));
  expect(c.ok, String(c.error)).toBe(true);
  await r.waitFor('the run to end', () => r.isIdle(slug));
  return { stderr: String(c.stderr ?? '') };
}

describe('a commit refused while changes are staged by hand', () => {
  it('says what stays staged and how to take it out; the agent commit that carries it is reported, not blocked', async () => {
    const { rig, wt, go } = await liveTask('alpha');
    for (const name of ['a.txt', 'b.txt', 'c.txt', 'd.txt'])
      await fs.writeFile(path.join(wt, name), `${name} by hand\n`);
    expect(git(rig, wt, ['add', 'a.txt', 'b.txt', 'c.txt', 'd.txt']).code).toBe(0);

    const refused = git(rig, wt, ['commit', '-q', '-m', 'mine']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Task alpha's worker pid \d+ .* does not come from it; /);
    expect(refused.stderr).toContain(
      "what you staged (a.txt, b.txt, c.txt and 1 more) stays in this worktree's index, and the agent's next commit would take it in.",
    );
    expect(refused.stderr).toContain("`git stash push --staged -m 'refused while alpha ran'`");
    // Four paths: the command takes the whole index back out rather than list them.
    expect(refused.stderr).toContain(`\`git -C ${wt} restore --staged -- :/\``);
    expect(refused.stderr).toContain('baton stop alpha');
    expect(existsSync(refusedIndex(rig, 'alpha'))).toBe(true);

    await go();
    const { stderr } = await agentCommitted(rig, 'alpha');
    // The commit went on, with the hand-staged files in it.
    const files = git(rig, wt, ['show', '--name-only', '--format=', 'HEAD']).stdout.trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['a.txt', 'b.txt', 'c.txt', 'd.txt']));
    expect(stderr).toContain(
      "baton: this commit includes changes someone staged by hand in task alpha's worktree while the worker ran (a.txt, b.txt, c.txt and 1 more;",
    );
    // The agent's output, and so its log, has the line.
    const log = readFileSync(path.join(rig.root, 'tasks/logs/dispatch-alpha.log'), 'utf8');
    expect(log).toContain('this commit includes changes someone staged by hand');

    const events = rig.history('alpha').filter((e) => e.type === 'hand_staged_committed');
    expect(events).toHaveLength(1);
    expect(events[0]?.paths).toEqual(['a.txt', 'b.txt', 'c.txt', 'd.txt']);
    expect(events[0]?.runId).toBe(rig.status('alpha')?.runId);
    expect(existsSync(refusedIndex(rig, 'alpha'))).toBe(false);

    const json = await rig.baton(['status', '--json']);
    const task = (JSON.parse(json.stdout) as { tasks: Record<string, unknown>[] }).tasks[0];
    expect(task?.handStagedCommitted).toMatchObject({ paths: ['a.txt', 'b.txt', 'c.txt', 'd.txt'] });
    const text = await rig.baton(['status'], { env: { COLUMNS: '300' } });
    expect(text.stdout).toContain('agent committed hand-staged a.txt, b.txt and 2 more (see baton history)');
    const history = await rig.baton(['history', 'alpha']);
    expect(history.stdout).toMatch(
      /worker 1's agent committed changes someone staged by hand in the worktree \(their own commit was refused at [\d:]+\): a\.txt, b\.txt, c\.txt, d\.txt/,
    );
  });

  it('reports nothing once the person has taken the staged changes back out, by either command the refusal gives', async () => {
    const { rig, wt, go } = await liveTask('beta');
    /** The refusal's commands, as a person would paste them into a shell in the worktree. */
    const paste = (refusal: string, re: RegExp): void => {
      const cmd = re.exec(refusal)?.[1];
      expect(cmd, refusal).toBeDefined();
      const env = { ...rig.env };
      delete env.BATON_ALLOW;
      const p = spawnSync('sh', ['-c', cmd ?? 'false'], { cwd: wt, env, encoding: 'utf8' });
      expect(p.status, p.stderr).toBe(0);
    };
    await fs.writeFile(path.join(wt, 'mine.txt'), 'by hand\n');
    expect(git(rig, wt, ['add', 'mine.txt']).code).toBe(0);
    const refused = git(rig, wt, ['commit', '-q', '-m', 'mine']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('what you staged (mine.txt) stays');
    expect(refused.stderr).toContain(`\`git -C ${wt} restore --staged -- mine.txt\``);
    paste(refused.stderr, /`(git -C \S+ restore --staged -- [^`]+)`/);
    expect(git(rig, wt, ['diff', '--cached', '--name-only']).stdout).toBe('');

    // Staged again, refused again, and put aside with the stash command this time.
    await fs.writeFile(path.join(wt, 'README.md'), 'edited by hand\n');
    expect(git(rig, wt, ['add', 'mine.txt', 'README.md']).code).toBe(0);
    const again = git(rig, wt, ['commit', '-q', '-m', 'mine again']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('what you staged (README.md, mine.txt) stays');
    paste(again.stderr, /`(git stash push --staged -m [^`]+)`/);
    expect(git(rig, wt, ['status', '--porcelain']).stdout).toBe('');
    expect(git(rig, wt, ['stash', 'list']).stdout).toContain('refused while beta ran');

    await go();
    const { stderr } = await agentCommitted(rig, 'beta');
    expect(stderr).toBe('');
    const files = git(rig, wt, ['show', '--name-only', '--format=', 'HEAD']).stdout;
    expect(files).not.toContain('mine.txt');
    expect(files).not.toContain('README.md');
    expect(rig.history('beta').some((e) => e.type === 'hand_staged_committed')).toBe(false);
    expect(existsSync(refusedIndex(rig, 'beta'))).toBe(false);
    const json = await rig.baton(['status', '--json']);
    const task = (JSON.parse(json.stdout) as { tasks: Record<string, unknown>[] }).tasks[0];
    expect(task?.handStagedCommitted).toBeNull();
  });

  it('compares the index the agent commits from: a partial commit without them, then `commit -a` with them', async () => {
    const { rig, wt } = await liveTask('gamma');
    await fs.writeFile(path.join(wt, 'mine.txt'), 'by hand\n');
    expect(git(rig, wt, ['add', 'mine.txt']).code).toBe(0);
    expect(git(rig, wt, ['commit', '-q', '-m', 'mine']).code).not.toBe(0);

    // The run's own commits, as its agent's tools would make them.
    const runId = String(rig.history('gamma').find((e) => e.type === 'task_dispatched')?.runId);
    const asAgent = (args: string[]): Run => git(rig, wt, args, { BATON_RUN_ID: runId });
    await fs.writeFile(path.join(wt, 'own.txt'), 'by the agent\n');
    expect(asAgent(['add', 'own.txt']).code).toBe(0);
    const partial = asAgent(['commit', '-q', '-m', 'own only', '--', 'own.txt']);
    expect(partial.code, partial.stderr).toBe(0);
    expect(partial.stderr).toBe('');
    expect(rig.history('gamma').some((e) => e.type === 'hand_staged_committed')).toBe(false);
    expect(existsSync(refusedIndex(rig, 'gamma'))).toBe(true);

    await fs.appendFile(path.join(wt, 'README.md'), 'more\n');
    const all = asAgent(['commit', '-q', '-a', '-m', 'everything']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toContain("staged by hand in task gamma's worktree while the worker ran (mine.txt;");
    const events = rig.history('gamma').filter((e) => e.type === 'hand_staged_committed');
    expect(events.map((e) => e.paths)).toEqual([['mine.txt']]);
    expect(existsSync(refusedIndex(rig, 'gamma'))).toBe(false);
  });
});
