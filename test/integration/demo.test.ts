/**
 * `baton demo` runs the whole flow with the shipped demo agent, narrates each step, leaves
 * nothing running, and removes its throwaway repository unless told to keep it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRig, markedPids, type Rig } from '../helpers/rig.js';

let rig: Rig;
let tmp: string;
beforeEach(async () => {
  rig = await makeRig({ init: false });
  tmp = path.join(rig.base, 'tmp');
  mkdirSync(tmp);
});
afterEach(async () => {
  await rig.cleanup();
});

const marker = (): string => rig.env.BATON_TEST_MARKER ?? '';

describe('baton demo', () => {
  it('narrates init, dispatch, a queued follow-up in the same session, an interrupt, history and remove; leaves nothing', async () => {
    const r = await rig.baton(['demo'], { cwd: rig.base, env: { TMPDIR: tmp } });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const out = r.stdout;
    for (const expected of [
      '$ baton init',
      'installed git hooks',
      '$ baton dispatch greeting',
      'on branch task/greeting',
      '$ baton followup greeting "Now add a farewell too."',
      '2 runs, 1 session',
      '$ baton followup greeting --interrupt',
      'The worker sent SIGINT to the agent, then resumed the same session',
      '$ baton status',
      '$ baton history greeting',
      'interrupting run 3: SIGINT to pid',
      'run 3 failed after',
      ': Request interrupted by user',
      'run 4 prompt, follow-up #3, resuming',
      'demo: Add a greeting to DEMO.md.',
      '$ baton remove greeting',
      'deleted branch task/greeting (merged into main)',
      'nothing is left running',
    ]) {
      expect(out, expected).toContain(expected);
    }
    // Seven numbered steps, in order.
    const steps = out.split('\n').filter((l) => /^\d+\. /.test(l));
    expect(steps.map((l) => l.split('.')[0])).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(markedPids(marker())).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);

  it('--keep keeps the repository, with the merged work on main', async () => {
    const r = await rig.baton(['demo', '--keep'], { cwd: rig.base, env: { TMPDIR: tmp } });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const kept = readdirSync(tmp).filter((n) => n.startsWith('baton-demo-'));
    expect(kept).toHaveLength(1);
    const repo = path.join(tmp, kept[0] ?? '', 'repo');
    expect(r.stdout).toContain(`kept in ${path.dirname(repo)}`);
    expect(readFileSync(path.join(repo, 'DEMO.md'), 'utf8')).toContain('- Add a greeting to DEMO.md.');
    expect(existsSync(path.join(path.dirname(repo), 'repo.worktrees', 'greeting'))).toBe(false);
    expect(markedPids(marker())).toEqual([]);
  }, 120_000);
});
