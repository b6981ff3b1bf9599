/**
 * Latency: how long after a request an agent starts. Each sample is an agent's own start time
 * (the fake agent's log) minus the moment of the request:
 *
 *   dispatch → agent   `baton dispatch <new task>`, no watcher running (a worktree is created)
 *   drop → agent       a follow-up renamed into tasks/ for an idle task, the watcher running
 *   floor              a bare start of the same fake agent in the same worktree, spawned as the
 *                      worker spawns it, interleaved with the samples above; ratios are to it
 *   queued next start  a task with K follow-ups queued: from one agent's exit to the next one's
 *                      start (and to its spawn, from the worker's history), same worker only
 */
import { spawn } from 'node:child_process';
import { promises as fsp, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  agentsDir,
  agentStarts,
  fakeAgentsYaml,
  type FakeEvent,
  makeRig,
  type Rig,
  waitFor,
} from '../test/helpers/rig.ts';
import { queuedGaps, type QueuedNextStart } from './lib/queue-gaps.ts';
import { median, quantile, r1 } from './lib/stats.ts';
import { must, startWatcher, stopWatcher } from './lib/watcher.ts';

/** The latency figures in results.json (`latency`), in ms. */
export interface LatencyResult {
  samples: number;
  floorMs: { median: number; p99: number };
  dropToAgentStartMs: { median: number; p99: number; ratio: number };
  dispatchToAgentStartMs: { median: number; p99: number; ratio: number };
  queuedNextStart: QueuedNextStart;
}

const fakeClaude = path.join(agentsDir, 'fake-claude.mjs');
/** The benchmark's waits poll every 2 ms: a sample is timed by the agent, but a slow poll would delay the next one. */
const POLL_MS = 2;

const firstStart = (rig: Rig, slug: string): FakeEvent | null => agentStarts(rig, slug)[0] ?? null;
const startByPrompt = (rig: Rig, prompt: string): FakeEvent | null =>
  rig.fakeEvents().find((e) => e.event === 'start' && e.prompt === prompt) ?? null;

/** A bare start of the fake agent, as baton's worker spawns it: ms from spawn() to its first log line. */
async function floorSample(rig: Rig, cwd: string, tag: string): Promise<number> {
  const prompt = `floor ${tag}\n@fake sleep=0`;
  const t0 = Date.now();
  const child = spawn(fakeClaude, ['-p', '--output-format', 'stream-json', '--verbose', '--', prompt], {
    cwd,
    env: rig.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.resume();
  child.stderr.resume();
  const exited = new Promise((r) => child.once('exit', r));
  const ev = await waitFor('the bare agent to start', () => startByPrompt(rig, prompt), 30_000, POLL_MS);
  await exited;
  return ev.t - t0;
}

/** Renames a follow-up into tasks/ (written beside it first, as a person's editor or script would). */
async function dropFollowup(rig: Rig, name: string, body: string, before?: () => void): Promise<void> {
  const file = path.join(rig.root, 'tasks', `${name}.followup.md`);
  writeFileSync(`${file}.tmp`, `${body}\n`);
  before?.();
  await fsp.rename(`${file}.tmp`, file);
}

/** Measures the latencies with `n` samples each (and 5–15 queued follow-ups). */
export async function latency(n: number): Promise<LatencyResult> {
  const rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 3600\nmaxConcurrent: 8') });
  const isIdle = (slug: string) => () => rig.isIdle(slug);
  try {
    const floors: number[] = [];
    // dispatch → agent start: a fresh task each time (worktree created), no watcher running.
    const dispatch: number[] = [];
    for (let i = 0; i < n; i++) {
      const slug = `d${i}`;
      await rig.writeTask(slug, `dispatch ${i}\n@fake sleep=0`);
      const t0 = Date.now();
      const r = rig.baton(['dispatch', slug]);
      const ev = await waitFor(`agent of ${slug}`, () => firstStart(rig, slug), 60_000, POLL_MS);
      dispatch.push(ev.t - t0);
      await must(r, `dispatch ${slug}`);
      await waitFor(`${slug} idle`, isIdle(slug), 60_000, POLL_MS);
      floors.push(await floorSample(rig, path.join(rig.worktreesDir, slug), `d${i}`));
    }
    // drop → agent start: a follow-up dropped for an idle task, the watcher running.
    await rig.writeTask('lat', 'first\n@fake sleep=0');
    await must(rig.baton(['dispatch', 'lat']), 'dispatch lat');
    await waitFor('lat idle', isIdle('lat'), 60_000, POLL_MS);
    const w = await startWatcher(rig);
    const drop: number[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const prompt = `drop ${i}\n@fake sleep=0`;
        let t0 = 0;
        await dropFollowup(rig, `lat.b${i}`, prompt, () => (t0 = Date.now()));
        const ev = await waitFor(`agent of drop ${i}`, () => startByPrompt(rig, prompt), 60_000, POLL_MS);
        drop.push(ev.t - t0);
        await waitFor('lat idle', isIdle('lat'), 60_000, POLL_MS);
        floors.push(await floorSample(rig, path.join(rig.worktreesDir, 'lat'), `b${i}`));
      }
      // A queued follow-up: the next agent starts after the previous one exits, same worker.
      const k = Math.max(5, Math.min(n, 15));
      // The running watcher dispatches the new task itself.
      await rig.writeTask('q', 'queue head\n@fake sleep=1500');
      await waitFor('q running', () => firstStart(rig, 'q'), 60_000, POLL_MS);
      for (let i = 0; i < k; i++)
        await dropFollowup(rig, `q.k${String(i).padStart(3, '0')}`, `queued ${i}\n@fake sleep=150`);
      await waitFor(
        'the queue to drain',
        () => agentStarts(rig, 'q').length === k + 1 && rig.isIdle('q'),
        120_000,
        20,
      );
      const floorMedian = median(floors);
      return {
        samples: n,
        floorMs: { median: r1(floorMedian), p99: r1(quantile(floors, 0.99)) },
        dropToAgentStartMs: {
          median: r1(median(drop)),
          p99: r1(quantile(drop, 0.99)),
          ratio: r1(median(drop) / floorMedian),
        },
        dispatchToAgentStartMs: {
          median: r1(median(dispatch)),
          p99: r1(quantile(dispatch, 0.99)),
          ratio: r1(median(dispatch) / floorMedian),
        },
        queuedNextStart: queuedGaps(rig, 'q', floorMedian),
      };
    } finally {
      await stopWatcher(w);
    }
  } finally {
    await rig.cleanup();
  }
}
