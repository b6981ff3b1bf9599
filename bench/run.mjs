#!/usr/bin/env node
// baton's benchmark (issue 6). Runs the built CLI (dist/) against temporary repositories with the
// fake agents, prints a table and writes bench/results.json:
//
//   latency    drop → agent start and `baton dispatch` → agent start (median, p99), each next to
//              a bare start of the same fake agent measured interleaved (the floor), and their ratio;
//              a queued follow-up's agent start after the previous run's exit (target < 30 ms)
//   heartbeat  one cycle (`watch --once`, in-process time) at 100, 1,000 and 10,000 tasks (< 1 s at 10,000)
//   status     `baton status --json` wall time at 1,000 tasks (< 300 ms)
//   idle       a watcher over 1,000 tasks for 30 s: CPU (< 1 % of a core) and RSS (< 120 MB)
//   hooks      what baton's git hooks add to a commit (bench/hooks.mjs)
//
// A missed target is profiled (--cpu-prof) and its top functions by self time are reported.
// Usage: npm run build && node bench/run.mjs
//   BENCH_N=20 samples per latency; BENCH_IDLE_S=30; BENCH_SIZES=100,1000,10000; BENCH_SKIP=hooks,idle
import { execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const batonBin = path.join(root, 'dist/cli/main.js');
const fakeClaude = path.join(root, 'test/fixtures/agents/fake-claude.mjs');
const N = Number(process.env.BENCH_N ?? 20);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 30);
const SIZES = (process.env.BENCH_SIZES ?? '100,1000,10000').split(',').map(Number);
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux

if (!existsSync(batonBin)) {
  process.stderr.write('bench: dist/ is missing; run `npm run build` first\n');
  process.exit(1);
}

const base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-bench-')));
const fakeHome = path.join(base, 'fake-home');
mkdirSync(fakeHome);
const env = {
  ...process.env,
  FAKE_AGENT_HOME: fakeHome,
  FAKE_AGENT_LOG: path.join(base, 'agents.jsonl'),
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@example.invalid',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@example.invalid',
};
delete env.BATON_RUN_ID;
delete env.BATON_CRASH_AT;
const children = new Set();

// ---------------------------------------------------------------------------------------- helpers

function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { maxBuffer: 256 * 1024 * 1024, ...opts }, (err, stdout, stderr) =>
      resolve({
        code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
        stdout: String(stdout),
        stderr: String(stderr),
      }),
    );
    child.stdin?.end();
  });
}

const git = (cwd, ...args) => run('git', args, { cwd, env });
const baton = (cwd, args, extraEnv = {}) =>
  run(process.execPath, [batonBin, ...args], { cwd, env: { ...env, ...extraEnv } });

async function must(p, what) {
  const r = await p;
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}`);
  return r;
}

function configYaml(extra = '') {
  return `defaultAgent: claude\nagents:\n  claude: { preset: claude, bin: ${JSON.stringify(fakeClaude)} }\n${extra}\n`;
}

/** A temporary repository with one commit, `baton init` done and the fake claude configured. */
async function makeRepo(name, extra = '') {
  const dir = path.join(base, name);
  mkdirSync(dir);
  await must(git(dir, 'init', '-q', '-b', 'main'), 'git init');
  writeFileSync(path.join(dir, 'README.md'), '# bench\n');
  await must(git(dir, 'add', '-A'), 'git add');
  await must(git(dir, 'commit', '-q', '-m', 'init'), 'git commit');
  await must(baton(dir, ['init']), 'baton init');
  writeFileSync(path.join(dir, 'baton.yaml'), configYaml(extra));
  return dir;
}

function writeTask(repo, slug, body, front = '') {
  const file = path.join(repo, 'tasks', `${slug}.md`);
  writeFileSync(`${file}.tmp`, front ? `---\n${front}\n---\n${body}\n` : `${body}\n`);
  return fsp.rename(`${file}.tmp`, file);
}

function readStatus(repo, slug) {
  try {
    return JSON.parse(readFileSync(path.join(repo, 'tasks/logs', `dispatch-${slug}.status.json`), 'utf8'));
  } catch {
    return null;
  }
}

function history(repo, slug) {
  const f = path.join(repo, 'tasks/logs', `dispatch-${slug}.history.jsonl`);
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
}

async function waitFor(what, fn, timeoutMs = 60_000, everyMs = 2) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** The fake agents' JSON-lines log, read incrementally. */
class FakeLog {
  constructor(file) {
    this.file = file;
    this.offset = 0;
    this.events = [];
    this.rest = '';
  }
  poll() {
    if (!existsSync(this.file)) return;
    const buf = readFileSync(this.file);
    if (buf.length <= this.offset) return;
    const text = this.rest + buf.subarray(this.offset).toString('utf8');
    this.offset = buf.length;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) this.events.push(JSON.parse(l));
  }
  find(pred) {
    this.poll();
    return this.events.find(pred) ?? null;
  }
}

const idle = (repo, slug) => () => {
  const s = readStatus(repo, slug);
  return s && s.state === 'idle' && s.pid === null && s.agentPid === null;
};

/** Starts `baton watch` in the background; resolves once it watches. */
async function startWatcher(repo, extraEnv = {}, nodeArgs = []) {
  const logFile = path.join(repo, '..', `${path.basename(repo)}-watch.log`);
  const out = await fsp.open(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, batonBin, 'watch'], {
    cwd: repo,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', out.fd, out.fd],
  });
  await out.close();
  children.add(child);
  child.once('exit', () => children.delete(child));
  await waitFor('the watcher to start', () => readFileSync(logFile, 'utf8').includes('watching'), 60_000, 10);
  return { child, logFile };
}

async function stopWatcher(w) {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  const exited = new Promise((r) => w.child.once('exit', r));
  w.child.kill('SIGTERM');
  await exited;
}

function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i];
}
const median = (xs) => quantile(xs, 0.5);
const r1 = (x) => Math.round(x * 10) / 10;

/** Self time per function from a .cpuprofile, top `n`, in ms. */
function topSelf(profileFile, n = 12) {
  const prof = JSON.parse(readFileSync(profileFile, 'utf8'));
  const dt = new Map();
  const { samples = [], timeDeltas = [] } = prof;
  for (let i = 0; i < samples.length; i++)
    dt.set(samples[i], (dt.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
  const byFn = new Map();
  for (const node of prof.nodes) {
    const cf = node.callFrame;
    const url = cf.url.replace(/^file:\/\//, '').replace(root + '/', '');
    const key = `${cf.functionName || '(anonymous)'} ${url ? `${url}:${cf.lineNumber + 1}` : ''}`.trim();
    byFn.set(key, (byFn.get(key) ?? 0) + (dt.get(node.id) ?? 0) / 1000);
  }
  const total = [...byFn.values()].reduce((a, b) => a + b, 0);
  return {
    totalMs: r1(total),
    top: [...byFn.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([fn, ms]) => ({ fn, ms: r1(ms), pct: r1((100 * ms) / total) })),
  };
}

async function profiled(repo, args, name) {
  const dir = path.join(base, 'profiles');
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  await run(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`, batonBin, ...args],
    { cwd: repo, env },
  );
  const file = readdirSync(dir).find((f) => !before.has(f));
  return file ? topSelf(path.join(dir, file)) : null;
}

// ---------------------------------------------------------------------------------------- latency

/** A bare start of the fake agent, as baton's worker spawns it: ms from spawn() to its first log line. */
async function floorSample(cwd, log, tag) {
  const prompt = `floor ${tag}\n@fake sleep=0`;
  const t0 = Date.now();
  const child = spawn(fakeClaude, ['-p', '--output-format', 'stream-json', '--verbose', '--', prompt], {
    cwd,
    env: { ...env, FAKE_AGENT_LOG: log.file },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.resume();
  child.stderr.resume();
  const exited = new Promise((r) => child.once('exit', r));
  const ev = await waitFor(
    'the bare agent to start',
    () => log.find((e) => e.event === 'start' && e.prompt === prompt),
    30_000,
  );
  await exited;
  return ev.t - t0;
}

async function latency() {
  const repo = await makeRepo('latency', 'heartbeatSeconds: 3600\nmaxConcurrent: 8');
  const log = new FakeLog(env.FAKE_AGENT_LOG);
  const floors = [];
  // dispatch → agent start: a fresh task each time (worktree created), no watcher running.
  const dispatch = [];
  for (let i = 0; i < N; i++) {
    const slug = `d${i}`;
    await writeTask(repo, slug, `dispatch ${i}\n@fake sleep=0`);
    const t0 = Date.now();
    const r = baton(repo, ['dispatch', slug]);
    const ev = await waitFor(`agent of ${slug}`, () =>
      log.find((e) => e.event === 'start' && e.env?.BATON_SLUG === slug),
    );
    dispatch.push(ev.t - t0);
    await must(r, `dispatch ${slug}`);
    await waitFor(`${slug} idle`, idle(repo, slug));
    floors.push(await floorSample(path.join(repo, '..', 'latency.worktrees', slug), log, `d${i}`));
  }
  // drop → agent start: a follow-up dropped for an idle task, the watcher running.
  await writeTask(repo, 'lat', 'first\n@fake sleep=0');
  await must(baton(repo, ['dispatch', 'lat']), 'dispatch lat');
  await waitFor('lat idle', idle(repo, 'lat'));
  const w = await startWatcher(repo);
  const drop = [];
  const wt = path.join(repo, '..', 'latency.worktrees', 'lat');
  try {
    for (let i = 0; i < N; i++) {
      const prompt = `drop ${i}\n@fake sleep=0`;
      const file = path.join(repo, 'tasks', `lat.b${i}.followup.md`);
      writeFileSync(`${file}.tmp`, `${prompt}\n`);
      const t0 = Date.now();
      await fsp.rename(`${file}.tmp`, file);
      const ev = await waitFor(`agent of drop ${i}`, () =>
        log.find((e) => e.event === 'start' && e.prompt === prompt),
      );
      drop.push(ev.t - t0);
      await waitFor('lat idle', idle(repo, 'lat'));
      floors.push(await floorSample(wt, log, `b${i}`));
    }
    // A queued follow-up: the next agent starts after the previous one exits, same worker.
    const K = Math.max(5, Math.min(N, 15));
    // The running watcher dispatches the new task itself.
    await writeTask(repo, 'q', 'queue head\n@fake sleep=1500');
    await waitFor('q running', () => log.find((e) => e.event === 'start' && e.env?.BATON_SLUG === 'q'));
    for (let i = 0; i < K; i++) {
      const file = path.join(repo, 'tasks', `q.k${String(i).padStart(3, '0')}.followup.md`);
      writeFileSync(`${file}.tmp`, `queued ${i}\n@fake sleep=150\n`);
      await fsp.rename(`${file}.tmp`, file);
    }
    await waitFor(
      'the queue to drain',
      () => {
        log.poll();
        return (
          log.events.filter((e) => e.event === 'start' && e.env?.BATON_SLUG === 'q').length === K + 1 &&
          idle(repo, 'q')()
        );
      },
      120_000,
      20,
    );
    const qPids = new Set(
      log.events.filter((e) => e.event === 'start' && e.env?.BATON_SLUG === 'q').map((e) => e.pid),
    );
    const qEvents = log.events.filter((e) => qPids.has(e.pid));
    const starts = qEvents.filter((e) => e.event === 'start');
    const gapStart = [];
    const gapSpawn = [];
    // Where the worker spends the gap, from its own history timestamps.
    const phases = { exitToRunExited: [], runExitedToPromptSent: [], promptSentToSpawn: [] };
    const h = history(repo, 'q');
    const at = (type, runId, n) => h.find((x) => x.type === type && x.runId === runId && x.n === n);
    for (let i = 1; i < starts.length; i++) {
      const prevEnd = qEvents.find((e) => e.event === 'end' && e.pid === starts[i - 1].pid);
      // agent_started's ts is taken by the worker just before it spawns the agent (same pid after exec).
      const rs = h.find((x) => x.type === 'agent_started' && x.pid === starts[i].pid);
      const rsPrev = h.find((x) => x.type === 'agent_started' && x.pid === starts[i - 1].pid);
      if (!prevEnd || !rs || !rsPrev || rs.runId !== rsPrev.runId) continue; // same worker only
      gapStart.push(starts[i].t - prevEnd.t);
      gapSpawn.push(Date.parse(rs.ts) - prevEnd.t);
      const exited = at('run_exited', rsPrev.runId, rsPrev.n);
      const sent = at('prompt_sent', rs.runId, rs.n);
      if (!exited || !sent) continue;
      phases.exitToRunExited.push(Date.parse(exited.ts) - prevEnd.t);
      phases.runExitedToPromptSent.push(Date.parse(sent.ts) - Date.parse(exited.ts));
      phases.promptSentToSpawn.push(Date.parse(rs.ts) - Date.parse(sent.ts));
    }
    return {
      samples: N,
      floorMs: { median: r1(median(floors)), p99: r1(quantile(floors, 0.99)) },
      dropToAgentStartMs: {
        median: r1(median(drop)),
        p99: r1(quantile(drop, 0.99)),
        ratio: r1(median(drop) / median(floors)),
      },
      dispatchToAgentStartMs: {
        median: r1(median(dispatch)),
        p99: r1(quantile(dispatch, 0.99)),
        ratio: r1(median(dispatch) / median(floors)),
      },
      queuedNextStart: {
        samples: gapStart.length,
        exitToAgentStartMs: { median: r1(median(gapStart)), p99: r1(quantile(gapStart, 0.99)) },
        exitToSpawnMs: { median: r1(median(gapSpawn)), p99: r1(quantile(gapSpawn, 0.99)) },
        batonOverheadMs: r1(median(gapStart) - median(floors)),
        phasesMedianMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, r1(median(v))])),
        targetMs: 30,
      },
    };
  } finally {
    await stopWatcher(w);
  }
}

// ---------------------------------------------------------------------------------------- scale

/**
 * A repository with `n` task files: 90 % done, 10 % draft; one in ten has run (status json and a
 * few history lines, no worktree), as a long-lived repository looks.
 */
async function scaleRepo(n) {
  const repo = await makeRepo(`scale-${n}`, 'heartbeatSeconds: 30');
  const tasks = path.join(repo, 'tasks');
  const logs = path.join(tasks, 'logs');
  const now = new Date().toISOString();
  for (let start = 0; start < n; start += 500) {
    const batch = [];
    for (let i = start; i < Math.min(n, start + 500); i++) {
      const slug = `t${String(i).padStart(5, '0')}`;
      const status = i % 10 === 0 ? 'draft' : 'done';
      batch.push(
        fsp.writeFile(
          path.join(tasks, `${slug}.md`),
          `---\nstatus: ${status}\ntitle: Task ${i}\npriority: ${i % 5}\n---\nDo task ${i}: a paragraph of instructions, as long as a typical task prompt is.\n`,
        ),
      );
      if (i % 10 === 5) {
        const st = {
          slug,
          state: 'idle',
          agent: 'claude',
          branch: `task/${slug}`,
          worktree: null,
          pid: null,
          agentPid: null,
          runId: `r-${i}`,
          epoch: 1,
          sessionId: `s-${i}`,
          runs: 1,
          pendingFollowups: 0,
          lastExitCode: 0,
          startedAt: now,
          updatedAt: now,
          lastOutputAt: now,
          lastProgressAt: now,
          retryAt: null,
          autoRetries: 0,
          error: null,
        };
        batch.push(
          fsp.writeFile(path.join(logs, `dispatch-${slug}.status.json`), `${JSON.stringify(st, null, 2)}\n`),
        );
        batch.push(
          fsp.writeFile(
            path.join(logs, `dispatch-${slug}.history.jsonl`),
            `${JSON.stringify({ ts: now, type: 'task_dispatched', runId: `r-${i}` })}\n`,
          ),
        );
      }
    }
    await Promise.all(batch);
  }
  return repo;
}

async function scale() {
  const out = { heartbeat: [], status: null, idle: null, profiles: {} };
  for (const n of SIZES) {
    const repo = await scaleRepo(n);
    const inProcess = [];
    const wall = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await must(baton(repo, ['watch', '--once', '--json']), `watch --once at ${n}`);
      wall.push(performance.now() - t0);
      inProcess.push(JSON.parse(r.stdout).durationMs);
    }
    const row = {
      tasks: n,
      cycleMs: { median: r1(median(inProcess)), max: r1(Math.max(...inProcess)) },
      wallMs: r1(median(wall)),
      watcher: await watcherCycles(repo),
    };
    out.heartbeat.push(row);
    if (n === 10_000 && row.cycleMs.median > 1000)
      out.profiles.heartbeat10k = await profiled(repo, ['watch', '--once', '--json'], 'cycle-10k');
    if (n === 1000) {
      const times = [];
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        await must(baton(repo, ['status', '--json']), 'status --json');
        times.push(performance.now() - t0);
      }
      const version = [];
      const bare = [];
      for (let i = 0; i < 5; i++) {
        let t0 = performance.now();
        await run(process.execPath, ['-e', '0']);
        bare.push(performance.now() - t0);
        t0 = performance.now();
        await must(baton(repo, ['--version']), 'baton --version');
        version.push(performance.now() - t0);
      }
      out.status = {
        tasks: n,
        wallMs: { median: r1(median(times)), p99: r1(quantile(times, 0.99)) },
        nodeBareStartMs: r1(median(bare)),
        batonVersionMs: r1(median(version)),
        targetMs: 300,
      };
      if (out.status.wallMs.median > 300)
        out.profiles.status1k = await profiled(repo, ['status', '--json'], 'status-1k');
      if (!SKIP.has('idle')) out.idle = await idleWatcher(repo, n);
    }
  }
  return out;
}

/**
 * Cycles of a running watcher (heartbeatSeconds: 1): the first one at start, then warm ones, which
 * may reuse what the watcher keeps between cycles. Times are the cycles' own `durationMs`.
 */
async function watcherCycles(repo) {
  const yaml = path.join(repo, 'baton.yaml');
  const saved = readFileSync(yaml, 'utf8');
  writeFileSync(yaml, configYaml('heartbeatSeconds: 1'));
  const hb = path.join(repo, 'tasks/logs/heartbeat.json');
  const since = Date.now();
  const w = await startWatcher(repo);
  const seen = new Map();
  try {
    await waitFor(
      'four watcher cycles',
      () => {
        try {
          const h = JSON.parse(readFileSync(hb, 'utf8'));
          if (Date.parse(h.ts) >= since - 1000) seen.set(h.ts, h.durationMs);
        } catch {
          // being replaced
        }
        return seen.size >= 4;
      },
      300_000,
      20,
    );
  } finally {
    await stopWatcher(w);
    writeFileSync(yaml, saved);
  }
  const d = [...seen.values()];
  return { firstMs: r1(d[0]), warmMedianMs: r1(median(d.slice(1))) };
}

function procTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14 and 15)
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function idleWatcher(repo, n) {
  const w = await startWatcher(repo);
  try {
    const hb = path.join(repo, 'tasks/logs/heartbeat.json');
    const since = Date.now();
    await waitFor(
      'the first cycle',
      () => existsSync(hb) && Date.parse(JSON.parse(readFileSync(hb, 'utf8')).ts) >= since - 1000,
      120_000,
      50,
    );
    await sleep(1000);
    const pid = w.child.pid;
    const t0 = procTicks(pid);
    const start = performance.now();
    let maxRss = 0;
    while (performance.now() - start < IDLE_S * 1000) {
      maxRss = Math.max(maxRss, rssMb(pid));
      await sleep(500);
    }
    const secs = (performance.now() - start) / 1000;
    const cpuPct = ((procTicks(pid) - t0) / CLK_TCK / secs) * 100;
    return {
      tasks: n,
      seconds: r1(secs),
      heartbeatSeconds: 30,
      cpuPctOfOneCore: r1(cpuPct),
      maxRssMb: r1(maxRss),
      targets: { cpuPct: 1, rssMb: 120 },
    };
  } finally {
    await stopWatcher(w);
  }
}

async function hooks() {
  const r = await run(process.execPath, [path.join(root, 'bench/hooks.mjs'), '--json'], {
    env: { ...process.env, BENCH_N: String(Math.min(N, 20)) },
  });
  if (r.code !== 0) return { error: r.stderr.trim() };
  return JSON.parse(r.stdout);
}

// ---------------------------------------------------------------------------------------- main

const pad = (s, n) => String(s).padEnd(n);
const ok = (v, target) => (v <= target ? 'ok' : 'MISSED');

try {
  const commit = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: root });
  const results = {
    when: new Date().toISOString(),
    commit: commit.stdout.trim(),
    node: process.version,
    cpus: os.cpus().length,
    loadAvgBefore: os.loadavg().map(r1),
  };
  process.stderr.write(`bench: ${N} samples per latency; load average ${results.loadAvgBefore.join(' ')}\n`);
  if (!SKIP.has('latency')) results.latency = await latency();
  if (!SKIP.has('scale')) Object.assign(results, await scale());
  if (!SKIP.has('hooks')) results.hooks = await hooks();
  results.loadAvgAfter = os.loadavg().map(r1);
  writeFileSync(path.join(root, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);

  const rows = [];
  const L = results.latency;
  if (L) {
    rows.push(['bare fake-agent start (floor)', `${L.floorMs.median} / ${L.floorMs.p99}`, '', '']);
    rows.push([
      'drop → agent start',
      `${L.dropToAgentStartMs.median} / ${L.dropToAgentStartMs.p99}`,
      `${L.dropToAgentStartMs.ratio}× floor`,
      '',
    ]);
    rows.push([
      'dispatch → agent start',
      `${L.dispatchToAgentStartMs.median} / ${L.dispatchToAgentStartMs.p99}`,
      `${L.dispatchToAgentStartMs.ratio}× floor`,
      '',
    ]);
    const q = L.queuedNextStart;
    rows.push([
      'queued: exit → next agent spawned',
      `${q.exitToSpawnMs.median} / ${q.exitToSpawnMs.p99}`,
      '< 30',
      ok(q.exitToSpawnMs.median, 30),
    ]);
    rows.push([
      'queued: exit → next agent started',
      `${q.exitToAgentStartMs.median} / ${q.exitToAgentStartMs.p99}`,
      `floor + 30`,
      ok(q.batonOverheadMs, 30),
    ]);
    const ph = q.phasesMedianMs;
    rows.push([
      '  of which exit → run_exited → prompt_sent → spawn',
      `${ph.exitToRunExited} + ${ph.runExitedToPromptSent} + ${ph.promptSentToSpawn}`,
      '',
      '',
    ]);
  }
  for (const h of results.heartbeat ?? []) {
    const big = h.tasks === 10_000;
    rows.push([
      `heartbeat cycle, ${h.tasks} tasks (watch --once)`,
      `${h.cycleMs.median} (wall ${h.wallMs})`,
      big ? '< 1000' : '',
      big ? ok(h.cycleMs.median, 1000) : '',
    ]);
    rows.push([
      `  in a running watcher: first / warm`,
      `${h.watcher.firstMs} / ${h.watcher.warmMedianMs}`,
      big ? '< 1000' : '',
      big ? ok(h.watcher.warmMedianMs, 1000) : '',
    ]);
  }
  if (results.status)
    rows.push([
      `status --json, ${results.status.tasks} tasks`,
      `${results.status.wallMs.median} / ${results.status.wallMs.p99}`,
      '< 300',
      ok(results.status.wallMs.median, 300),
    ]);
  if (results.idle) {
    rows.push([
      `watcher idle CPU, ${results.idle.tasks} tasks, ${results.idle.seconds} s`,
      `${results.idle.cpuPctOfOneCore} %`,
      '< 1 %',
      ok(results.idle.cpuPctOfOneCore, 1),
    ]);
    rows.push([
      'watcher RSS (max)',
      `${results.idle.maxRssMb} MB`,
      '< 120 MB',
      ok(results.idle.maxRssMb, 120),
    ]);
  }
  for (const h of results.hooks?.results ?? [])
    rows.push([`hooks: ${h.case}`, `+${h.overheadMs} (${h.withoutMs} → ${h.withMs})`, '', '']);
  const head = ['measure', 'ms: median / p99', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) =>
    r
      .map((c, i) => pad(c, widths[i]))
      .join('  ')
      .trimEnd();
  process.stdout.write(
    `${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`,
  );
  for (const [name, p] of Object.entries(results.profiles ?? {})) {
    if (!p) continue;
    process.stdout.write(`\nprofile ${name} (${p.totalMs} ms sampled), top self time:\n`);
    for (const t of p.top)
      process.stdout.write(`  ${pad(`${t.ms} ms`, 10)} ${pad(`${t.pct} %`, 7)} ${t.fn}\n`);
  }
  process.stdout.write(
    `\nload average ${results.loadAvgBefore.join(' ')} → ${results.loadAvgAfter.join(' ')}; written to bench/results.json\n`,
  );
} finally {
  for (const c of children) c.kill('SIGKILL');
  // Workers and agents started by the bench run detached: end them (by their FAKE_AGENT_HOME) before removing the folder.
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(`FAKE_AGENT_HOME=${fakeHome}\0`))
        process.kill(Number(entry), 'SIGKILL');
    } catch {
      // gone or not ours
    }
  }
  rmSync(base, { recursive: true, force: true });
}
