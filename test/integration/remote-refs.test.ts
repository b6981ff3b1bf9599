/**
 * The compare-and-swap cluster mode stands on (src/git/remote-refs.ts), against a real bare
 * repository: racing creates from several clones, a stale expectation, a delete, an unreachable
 * remote. Concurrency is real: each swap is its own `git push` process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, promises as fs, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listRemoteRefs, recordCommit, swapRef } from '../../src/git/remote-refs.js';

let base = '';
afterEach(async () => {
  if (base !== '') await fs.rm(base, { recursive: true, force: true });
  base = '';
});

function setup(clones: number): { bare: string; dirs: string[] } {
  base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-refs-')));
  const bare = path.join(base, 'remote.git');
  execFileSync('git', ['init', '-q', '--bare', bare]);
  const dirs = Array.from({ length: clones }, (_, i) => {
    const dir = path.join(base, `h${i}`);
    execFileSync('git', ['init', '-q', dir]);
    execFileSync('git', ['remote', 'add', 'origin', bare], { cwd: dir });
    return dir;
  });
  return { bare, dirs };
}

describe('swapRef on a real remote', () => {
  it('of eight hosts creating one ref at once, exactly one wins, round after round', async () => {
    const { dirs } = setup(8);
    for (let round = 0; round < 5; round++) {
      const ref = `refs/baton/claims/t${round}`;
      const shas = await Promise.all(
        dirs.map((d, i) => recordCommit(d, `h${i}`, `baton claim t${round} by h${i}\n`)),
      );
      const results = await Promise.all(
        dirs.map((d, i) => swapRef(d, `h${i}`, 'origin', ref, shas[i]!, null)),
      );
      const winners = results.flatMap((r, i) => (r.ok ? [i] : []));
      expect(winners, `round ${round}`).toHaveLength(1);
      for (const r of results) if (!r.ok) expect(r.why).toBe('refused');
      const remote = await listRemoteRefs(dirs[0]!, 'h0', 'origin', ref);
      expect(remote).toEqual([{ ref, sha: shas[winners[0]!] }]);
    }
  });

  it('refuses a swap from a stale value, takes one from the current value, deletes with a lease', async () => {
    const { dirs } = setup(2);
    const [a, b] = dirs as [string, string];
    const ref = 'refs/baton/claims/x';
    const v1 = await recordCommit(a, 'a', 'one\n');
    expect(await swapRef(a, 'a', 'origin', ref, v1, null)).toEqual({ ok: true });
    const v2 = await recordCommit(b, 'b', 'two\n');
    expect(await swapRef(b, 'b', 'origin', ref, v2, v1)).toEqual({ ok: true });
    const v3 = await recordCommit(a, 'a', 'three\n');
    const stale = await swapRef(a, 'a', 'origin', ref, v3, v1);
    expect(stale).toMatchObject({ ok: false, why: 'refused' });
    expect(await swapRef(a, 'a', 'origin', ref, null, v1)).toMatchObject({ ok: false, why: 'refused' });
    expect(await swapRef(b, 'b', 'origin', ref, null, v2)).toEqual({ ok: true });
    expect(await listRemoteRefs(a, 'a', 'origin', ref)).toEqual([]);
  });

  it("says an unreachable remote with git's own words", async () => {
    const { bare, dirs } = setup(1);
    await fs.rename(bare, `${bare}.gone`);
    const sha = await recordCommit(dirs[0]!, 'a', 'one\n');
    const r = await swapRef(dirs[0]!, 'a', 'origin', 'refs/baton/claims/x', sha, null);
    expect(r).toMatchObject({ ok: false, why: 'unreachable' });
    expect(r.ok ? '' : r.said).toMatch(
      /does not appear to be a git repository|not a git repository|Could not read/,
    );
    await expect(listRemoteRefs(dirs[0]!, 'a', 'origin', 'refs/baton/*')).rejects.toThrow(
      /git ls-remote failed/,
    );
  });
});
