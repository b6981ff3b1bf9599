/**
 * What baton's git hooks cost a commit: the median wall time of N commits in a temp repository
 * with the hooks, against the same commits with hooks switched off (core.hooksPath at an empty
 * folder). Cases: a person's commit on main, with no worker and while one runs; a worker's agent
 * committing in its task worktree while its lock is live; and a refused commit, which is when
 * the shims start baton (node) rather than deciding in sh.
 *
 * Usage: node bench/hooks.ts [--json]   (BENCH_N=20 commits per case; run `npm run build` first)
 * bench/run.ts runs it as a child process, as its own process holds the workers' locks.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as identity from '../src/proc/identity.ts';
import type * as lockRecord from '../src/store/lock-record.ts';
import { makeRig, projectRoot } from '../test/helpers/rig.ts';
import { r1 } from './lib/stats.ts';

/** What `node bench/hooks.ts --json` prints (results.json `hooks`), in ms. */
export interface HooksResult {
  bench: 'hooks';
  load: number;
  nodeStartMs: number;
  results: { case: string; commits: number; withoutMs: number; withMs: number; overheadMs: number }[];
}

/** A hooks case: where the commit is made, with what, and whether the hooks refuse it. */
interface HookCase {
  name: string;
  cwd: string;
  before?: () => Promise<void>;
  extraEnv?: Record<string, string>;
  refused?: boolean;
}

/** The mean of the two middle samples with an even count: this measure's median since it began. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return (s.length % 2 ? s[mid] : ((s[mid - 1] as number) + (s[mid] as number)) / 2) as number;
}

const dist = path.join(projectRoot, 'dist');

async function hooksBench(n: number): Promise<HooksResult> {
  // The built modules, as the hooks run them (dist/ is what `npm run bench` measures).
  const { formatLockRecord } = (await import(path.join(dist, 'store/lock-record.js'))) as typeof lockRecord;
  const { selfIdentity } = (await import(path.join(dist, 'proc/identity.js'))) as typeof identity;
  const rig = await makeRig();
  try {
    const repo = rig.root;
    const noHooks = path.join(rig.base, 'no-hooks');
    mkdirSync(noHooks);
    const git = (cwd: string, ...args: string[]): string =>
      execFileSync('git', args, { cwd, env: rig.env, encoding: 'utf8' });
    // Steady state: baton.yaml was written a while ago (the shims trust baton's layout cache then).
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(path.join(repo, 'baton.yaml'), past, past);
    const runId = 'r-bench-000000';
    const worktrees: Record<string, string> = {};
    for (const slug of ['bench', 'other']) {
      writeFileSync(path.join(repo, 'tasks', `${slug}.md`), `${slug}\n`);
      worktrees[slug] = path.join(rig.worktreesDir, slug);
      git(repo, 'worktree', 'add', '-q', '-b', `task/${slug}`, worktrees[slug]);
    }
    const benchWorktree = worktrees.bench as string;
    // Locks held by a live process (this one), as workers' would be: run r-bench-… and another.
    const holdLocks = async (): Promise<void> => {
      const at = new Date().toISOString();
      const holder = await selfIdentity();
      for (const [slug, id] of [
        ['bench', runId],
        ['other', 'r-other-000000'],
      ] as const) {
        const lock = {
          holder,
          runId: id,
          epoch: 1,
          rev: 0,
          slug,
          acquiredAt: at,
          heartbeatAt: at,
          released: false,
          agent: null,
        };
        writeFileSync(
          path.join(git(worktrees[slug] as string, 'rev-parse', '--absolute-git-dir').trim(), 'baton.lock'),
          formatLockRecord(lock),
        );
      }
    };

    const cases: HookCase[] = [
      { name: 'commit on main, no worker', cwd: repo },
      { name: 'commit on main while two workers run', cwd: repo, before: holdLocks },
      {
        name: 'agent commit in its task worktree, another worker running',
        cwd: benchWorktree,
        extraEnv: { BATON_RUN_ID: runId },
      },
      { name: 'refused commit (baton asked)', cwd: benchWorktree, refused: true },
    ];
    const results: HooksResult['results'] = [];
    for (const c of cases) {
      await c.before?.();
      const timeCommits = (hooksOff: boolean): number => {
        const times: number[] = [];
        for (let i = 0; i < n; i++) {
          const args = [
            ...(hooksOff ? ['-c', `core.hooksPath=${noHooks}`] : []),
            'commit',
            '-q',
            '--allow-empty',
            '-m',
            `c${i}`,
          ];
          const t0 = process.hrtime.bigint();
          const r = spawnSync('git', args, {
            cwd: c.cwd,
            env: { ...rig.env, ...c.extraEnv },
            encoding: 'utf8',
          });
          times.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if ((r.status !== 0) !== (c.refused === true && !hooksOff))
            throw new Error(`commit in "${c.name}" exited ${r.status}: ${r.stderr}`);
        }
        return median(times);
      };
      timeCommits(false); // warm the caches once
      const without = timeCommits(true);
      const withHooks = timeCommits(false);
      results.push({
        case: c.name,
        commits: n,
        withoutMs: r1(without),
        withMs: r1(withHooks),
        overheadMs: r1(withHooks - without),
      });
    }
    // For scale: what starting node alone costs on this machine.
    const nodeTimes: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      spawnSync(process.execPath, ['-e', '0']);
      nodeTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return { bench: 'hooks', load: os.loadavg()[0] as number, nodeStartMs: r1(median(nodeTimes)), results };
  } finally {
    await rig.cleanup();
  }
}

const n = Number(process.env.BENCH_N ?? 20);
const out = await hooksBench(n);
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
} else {
  process.stdout.write(
    `baton git hooks: median of ${n} commits (load average ${out.load.toFixed(1)}; \`node -e 0\` takes ${out.nodeStartMs} ms here)\n`,
  );
  for (const r of out.results)
    process.stdout.write(
      `  ${r.case}: ${r.withoutMs} ms without hooks, ${r.withMs} ms with: +${r.overheadMs} ms\n`,
    );
}
