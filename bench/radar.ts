/**
 * Radar: the heartbeat with the conflict radar at 1,000 task files and 20 live task branches
 * (each a real worktree with a commit; three pairs edit the same lines, one branch conflicts with
 * its base, which has moved), and the git processes it starts, counted by a `git` first on PATH
 * that logs every call (test/fixtures/git-shim/git).
 *
 *   cold      `watch --once` with no radar.json: every branch measured, overlapping pairs merged
 *   idle      `watch --once` with nothing moved: the radar's git processes (target 0)
 *   moved     one branch gets a commit: what that heartbeat measures and costs
 *   watcher   a running watcher (heartbeatSeconds: 1) over three heartbeats with nothing moved:
 *             the radar's git processes (target 0) and every git process it ran
 *
 * Targets: a cycle under 1 s (the heartbeat's target at 10,000 tasks), 0 radar git processes idle.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fsp, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fakeAgentsYaml, projectRoot, type Rig, waitFor } from '../test/helpers/rig.ts';
import { idleStatus, scaleRepo } from './lib/scale-repo.ts';
import { median, r1 } from './lib/stats.ts';
import { must, startWatcher, stopWatcher } from './lib/watcher.ts';

/** The radar figures in results.json (`radar`). */
export interface RadarResult {
  tasks: number;
  liveBranches: number;
  cold: { cycleMs: number; branches: number; pairs: number; conflicts: number; gitCalls: number };
  idle: { cycleMs: number; radarGitCalls: number; gitCalls: number };
  moved: { cycleMs: number; branches: number; pairs: number; gitCalls: number };
  watcher: {
    heartbeats: number;
    radarGitCalls: number;
    gitCallsPerHeartbeat: number;
    otherCommands: string[];
  };
  targets: { cycleMs: number; idleRadarGitCalls: number };
}

const LIVE = 20;
const RADAR_COMMANDS = /^(merge-tree|log|rev-list|diff|for-each-ref|version)\b/;
const shimDir = path.join(projectRoot, 'test/fixtures/git-shim');

interface Report {
  ts: string;
  durationMs: number;
  radar: { measured: { branches: number; pairs: number }; newConflicts: number; off: string | null };
}

/** 20 live tasks on the scale repository: worktrees on task branches, each with one commit. */
async function addLiveTasks(rig: Rig): Promise<void> {
  const git = (cwd: string, ...args: string[]): string =>
    execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...rig.env, BATON_ALLOW: '1' } });
  const lines = (word: string): string => `${['a', 'b', word, 'd', 'e'].join('\n')}\n`;
  for (let i = 0; i < LIVE; i++) await fsp.writeFile(path.join(rig.root, `f${i}.txt`), lines('c'));
  for (let k = 0; k < 3; k++) await fsp.writeFile(path.join(rig.root, `shared${k}.txt`), lines('c'));
  git(rig.root, 'add', '-A', '.', ':!tasks');
  git(rig.root, 'commit', '-q', '-m', 'files the live tasks edit');
  const now = new Date().toISOString();
  for (let i = 0; i < LIVE; i++) {
    const slug = `live-${String(i).padStart(2, '0')}`;
    const wt = path.join(rig.worktreesDir, slug);
    git(rig.root, 'worktree', 'add', '-q', '-b', `task/${slug}`, wt, 'main');
    // Pairs (0,1), (2,3), (4,5) edit the same line of one shared file; the rest a file of their own.
    const file = i < 6 ? `shared${Math.floor(i / 2)}.txt` : `f${i}.txt`;
    await fsp.writeFile(path.join(wt, file), lines(slug));
    git(wt, 'commit', '-q', '-am', `${slug} edits ${file}`);
    await fsp.writeFile(
      path.join(rig.root, 'tasks', `${slug}.md`),
      `---\nstatus: ready\ntitle: Live ${i}\n---\nEdit ${file}.\n`,
    );
    const status = idleStatus(slug, {
      worktree: wt,
      runId: `r-live-${i}`,
      sessionId: `s-live-${i}`,
      at: now,
    });
    await fsp.writeFile(
      path.join(rig.root, 'tasks/logs', `dispatch-${slug}.status.json`),
      `${JSON.stringify(status, null, 2)}\n`,
    );
  }
  // The base moves under live-19: main edits the line it edited.
  await fsp.writeFile(path.join(rig.root, 'f19.txt'), lines('main'));
  git(rig.root, 'commit', '-q', '-am', 'main edits f19.txt');
}

/** The rig's environment with the logging git first on PATH. */
function shimmed(rig: Rig, log: string): Record<string, string> {
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  return { ...rig.env, PATH: `${shimDir}:${rig.env.PATH ?? ''}`, GIT_SHIM_LOG: log, GIT_SHIM_REAL: real };
}

const callsIn = (log: string): string[] =>
  existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];

/** One `watch --once`, its report and the git calls it made. */
async function once(rig: Rig, log: string): Promise<{ report: Report; calls: string[] }> {
  rmSync(log, { force: true });
  const r = await must(rig.baton(['watch', '--once', '--json'], { env: shimmed(rig, log) }), 'watch --once');
  return { report: JSON.parse(r.stdout) as Report, calls: callsIn(log) };
}

/** Measures the radar's heartbeat on a 1,000-task repository with 20 live branches. */
export async function radarBench(): Promise<RadarResult> {
  const rig = await scaleRepo(1000);
  const log = path.join(rig.base, 'git-calls.log');
  const radarFile = path.join(rig.root, 'tasks/logs/radar.json');
  try {
    await addLiveTasks(rig);
    await must(rig.baton(['watch', '--once', '--json']), 'first watch --once (builds the task index)');
    const cold: { report: Report; calls: string[] }[] = [];
    for (let i = 0; i < 3; i++) {
      rmSync(radarFile, { force: true });
      cold.push(await once(rig, log));
    }
    const idle: { report: Report; calls: string[] }[] = [];
    for (let i = 0; i < 3; i++) idle.push(await once(rig, log));
    const wt0 = path.join(rig.worktreesDir, 'live-00');
    await fsp.writeFile(path.join(wt0, 'shared0.txt'), 'a\nb\nlive-00 again\nd\ne\n');
    execFileSync('git', ['commit', '-q', '-am', 'live-00 again'], {
      cwd: wt0,
      env: { ...rig.env, BATON_ALLOW: '1' },
    });
    const moved = await once(rig, log);
    const c = cold[cold.length - 1] as { report: Report; calls: string[] };
    const conflicts = JSON.parse(readFileSync(path.join(rig.root, 'tasks/logs/heartbeat.json'), 'utf8')) as {
      tasks: { conflicts?: unknown[] }[];
    };
    return {
      tasks: 1000 + LIVE,
      liveBranches: LIVE,
      cold: {
        cycleMs: r1(median(cold.map((x) => x.report.durationMs))),
        branches: c.report.radar.measured.branches,
        pairs: c.report.radar.measured.pairs,
        conflicts: conflicts.tasks.filter((t) => (t.conflicts?.length ?? 0) > 0).length,
        gitCalls: c.calls.filter((x) => RADAR_COMMANDS.test(x)).length,
      },
      idle: {
        cycleMs: r1(median(idle.map((x) => x.report.durationMs))),
        radarGitCalls: Math.max(...idle.map((x) => x.calls.filter((y) => RADAR_COMMANDS.test(y)).length)),
        gitCalls: Math.max(...idle.map((x) => x.calls.length)),
      },
      moved: {
        cycleMs: r1(moved.report.durationMs),
        branches: moved.report.radar.measured.branches,
        pairs: moved.report.radar.measured.pairs,
        gitCalls: moved.calls.filter((x) => RADAR_COMMANDS.test(x)).length,
      },
      watcher: await watcherIdle(rig, log),
      targets: { cycleMs: 1000, idleRadarGitCalls: 0 },
    };
  } finally {
    await rig.cleanup();
  }
}

/** A running watcher (heartbeatSeconds: 1) over three heartbeats after its first, nothing moving. */
async function watcherIdle(rig: Rig, log: string): Promise<RadarResult['watcher']> {
  await rig.writeConfig(fakeAgentsYaml('heartbeatSeconds: 1'));
  const hb = path.join(rig.root, 'tasks/logs/heartbeat.json');
  const seen = new Set<string>();
  const beat = (): number => {
    try {
      seen.add((JSON.parse(readFileSync(hb, 'utf8')) as Report).ts);
    } catch {
      // being replaced
    }
    return seen.size;
  };
  beat();
  const w = await startWatcher({ ...rig, env: shimmed(rig, log) });
  try {
    await waitFor('the watcher’s first heartbeat', () => beat() >= 2, 60_000);
    rmSync(log, { force: true });
    const from = seen.size;
    await waitFor('three idle heartbeats', () => beat() >= from + 3, 60_000);
    const calls = callsIn(log);
    return {
      heartbeats: 3,
      radarGitCalls: calls.filter((x) => RADAR_COMMANDS.test(x)).length,
      gitCallsPerHeartbeat: r1(calls.length / 3),
      otherCommands: [...new Set(calls.map((x) => x.split(' ').slice(0, 2).join(' ')))],
    };
  } finally {
    await stopWatcher(w);
  }
}
