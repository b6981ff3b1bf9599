#!/usr/bin/env node
// What baton's hooks add to a commit next to each hook manager: the median wall time of N
// commits (one staged change each; the manager's pre-commit runs `true`) with the manager alone,
// then with baton installed after it, in the main worktree and in a task worktree (which runs
// baton's per-worktree hooks folder). The managers come from $BATON_HOOK_MANAGERS_DIR
// (default /tmp/baton-hook-managers, `npm install husky@9 lefthook@2 simple-git-hooks@2`) and
// pre-commit from PATH; a missing one is skipped.
// Usage: node bench/hook-managers.mjs [--json]   (BENCH_N=15; run `npm run build` first)
import { execFileSync, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const baton = path.join(root, 'dist/cli/main.js');
const N = Number(process.env.BENCH_N ?? 15);
const bin = path.join(process.env.BATON_HOOK_MANAGERS_DIR ?? '/tmp/baton-hook-managers', 'node_modules/.bin');
const env = {
  ...process.env,
  PATH: `${bin}:${process.env.PATH ?? ''}`,
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@example.invalid',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@example.invalid',
};
delete env.BATON_RUN_ID;
delete env.BATON_ALLOW;
const run = (cwd, cmd, ...args) => execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: 'pipe' });

const managers = {
  husky: {
    ok: () => existsSync(path.join(bin, 'husky')),
    setup(repo) {
      mkdirSync(path.join(repo, '.husky'));
      writeFileSync(path.join(repo, '.husky/pre-commit'), 'true\n');
    },
    install: (repo) => run(repo, path.join(bin, 'husky')),
  },
  lefthook: {
    ok: () => existsSync(path.join(bin, 'lefthook')),
    setup: (repo) =>
      writeFileSync(path.join(repo, 'lefthook.yml'), 'pre-commit:\n  commands:\n    t:\n      run: "true"\n'),
    install: (repo) => run(repo, path.join(bin, 'lefthook'), 'install'),
  },
  'simple-git-hooks': {
    ok: () => existsSync(path.join(bin, 'simple-git-hooks')),
    setup: (repo) =>
      writeFileSync(
        path.join(repo, 'package.json'),
        JSON.stringify({ name: 'x', 'simple-git-hooks': { 'pre-commit': 'true' } }),
      ),
    install: (repo) => run(repo, path.join(bin, 'simple-git-hooks')),
  },
  'pre-commit': {
    ok: () => spawnSync('pre-commit', ['--version']).status === 0,
    setup: (repo) =>
      writeFileSync(
        path.join(repo, '.pre-commit-config.yaml'),
        'repos:\n  - repo: local\n    hooks:\n      - id: t\n        name: t\n        entry: "true"\n        language: system\n        always_run: true\n        pass_filenames: false\n',
      ),
    install: (repo) => run(repo, 'pre-commit', 'install'),
  },
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms of N commits in `cwd`, each with one staged change. */
function commits(cwd) {
  const times = [];
  for (let i = 0; i < N; i++) {
    appendFileSync(path.join(cwd, 'changes.txt'), `${i}\n`);
    run(cwd, 'git', 'add', 'changes.txt');
    const t = process.hrtime.bigint();
    run(cwd, 'git', 'commit', '-q', '-m', `c${i}`);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return Math.round(median(times) * 10) / 10;
}

const results = {};
for (const [name, m] of Object.entries(managers)) {
  if (!m.ok()) {
    process.stderr.write(`${name}: not installed, skipped\n`);
    continue;
  }
  const base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-bench-mgr-')));
  const repo = path.join(base, 'repo');
  try {
    mkdirSync(repo);
    run(repo, 'git', 'init', '-q', '-b', 'main');
    m.setup(repo);
    run(repo, 'git', 'add', '-A');
    run(repo, 'git', 'commit', '-q', '--no-verify', '-m', 'init');
    m.install(repo);
    const alone = commits(repo);
    run(repo, process.execPath, baton, 'init');
    run(repo, 'git', 'add', '-A');
    run(repo, 'git', 'commit', '-q', '--no-verify', '-m', 'baton');
    const withBaton = commits(repo);
    writeFileSync(path.join(repo, 'tasks', 'bench.md'), 'bench\n');
    const wt = path.join(base, 'repo.worktrees', 'bench');
    run(repo, 'git', 'worktree', 'add', '-q', '-b', 'task/bench', wt);
    run(repo, process.execPath, baton, 'hooks', 'install');
    const inTask = commits(wt);
    results[name] = {
      aloneMs: alone,
      withBatonMs: withBaton,
      overheadMs: Math.round((withBaton - alone) * 10) / 10,
      taskWorktreeMs: inTask,
    };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
else
  for (const [k, v] of Object.entries(results))
    process.stdout.write(
      `${k.padEnd(18)} alone ${v.aloneMs} ms, with baton ${v.withBatonMs} ms (+${v.overheadMs}), task worktree ${v.taskWorktreeMs} ms\n`,
    );
