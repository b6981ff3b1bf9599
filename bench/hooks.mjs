#!/usr/bin/env node
// What baton's git hooks cost a commit: the median wall time of N commits in a temp repository
// with the hooks, against the same commits with hooks switched off (core.hooksPath at an empty
// folder). Cases: a person's commit on main, with no worker and while one runs; a worker's agent
// committing in its task worktree while its lock is live; and a refused commit, which is when
// the shims start baton (node) rather than deciding in sh.
// Usage: node bench/hooks.mjs [--json]   (BENCH_N=20 commits per case; run `npm run build` first)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const { formatLockRecord } = await import(path.join(dist, 'store/lock-record.js'));
const { selfIdentity } = await import(path.join(dist, 'proc/identity.js'));

const N = Number(process.env.BENCH_N ?? 20);
const base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-bench-hooks-')));
const repo = path.join(base, 'repo');
const noHooks = path.join(base, 'no-hooks');
mkdirSync(repo);
mkdirSync(noHooks);
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@example.invalid',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@example.invalid',
};
delete env.BATON_RUN_ID;
delete env.BATON_ALLOW;
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, encoding: 'utf8' });

try {
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'commit', '-q', '--allow-empty', '-m', 'init');
  execFileSync(process.execPath, [path.join(dist, 'cli/main.js'), 'init'], {
    cwd: repo,
    env,
    stdio: 'ignore',
  });
  // Steady state: baton.yaml was written a while ago (the shims trust baton's layout cache then).
  const past = new Date(Date.now() - 3_600_000);
  utimesSync(path.join(repo, 'baton.yaml'), past, past);
  const runId = 'r-bench-000000';
  const worktrees = {};
  for (const slug of ['bench', 'other']) {
    writeFileSync(path.join(repo, 'tasks', `${slug}.md`), `${slug}\n`);
    worktrees[slug] = path.join(base, 'repo.worktrees', slug);
    git(repo, 'worktree', 'add', '-q', '-b', `task/${slug}`, worktrees[slug]);
  }
  // Locks held by a live process (this one), as workers' would be: run r-bench-… and another.
  const holdLocks = async () => {
    const at = new Date().toISOString();
    const holder = await selfIdentity();
    for (const [slug, id] of [
      ['bench', runId],
      ['other', 'r-other-000000'],
    ]) {
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
        path.join(git(worktrees[slug], 'rev-parse', '--absolute-git-dir').trim(), 'baton.lock'),
        formatLockRecord(lock),
      );
    }
  };

  const cases = [
    { name: 'commit on main, no worker', cwd: repo },
    { name: 'commit on main while two workers run', cwd: repo, before: holdLocks },
    {
      name: 'agent commit in its task worktree, another worker running',
      cwd: worktrees.bench,
      extraEnv: { BATON_RUN_ID: runId },
    },
    { name: 'refused commit (baton asked)', cwd: worktrees.bench, refused: true },
  ];
  const results = [];
  for (const c of cases) {
    await c.before?.();
    const timeCommits = (hooksOff) => {
      const times = [];
      for (let i = 0; i < N; i++) {
        const args = [
          ...(hooksOff ? ['-c', `core.hooksPath=${noHooks}`] : []),
          'commit',
          '-q',
          '--allow-empty',
          '-m',
          `c${i}`,
        ];
        const t0 = process.hrtime.bigint();
        const r = spawnSync('git', args, { cwd: c.cwd, env: { ...env, ...c.extraEnv }, encoding: 'utf8' });
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
      commits: N,
      withoutMs: round(without),
      withMs: round(withHooks),
      overheadMs: round(withHooks - without),
    });
  }
  // For scale: what starting node alone costs on this machine.
  const nodeTimes = [];
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    nodeTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const nodeStartMs = round(median(nodeTimes));
  if (process.argv.includes('--json')) {
    process.stdout.write(
      `${JSON.stringify({ bench: 'hooks', load: os.loadavg()[0], nodeStartMs, results }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(
      `baton git hooks: median of ${N} commits (load average ${os.loadavg()[0].toFixed(1)}; \`node -e 0\` takes ${nodeStartMs} ms here)\n`,
    );
    for (const r of results) {
      process.stdout.write(
        `  ${r.case}: ${r.withoutMs} ms without hooks, ${r.withMs} ms with: +${r.overheadMs} ms\n`,
      );
    }
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function round(x) {
  return Math.round(x * 10) / 10;
}
