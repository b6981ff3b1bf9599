/**
 * The crash suite (issue 6): the whole flow — dispatch, follow-ups by CLI and by drop, watcher
 * cycles — with a process SIGKILLed at each crash point (src/proc/crash.ts) or at a random
 * moment (kill -9 of the watcher, the worker, the agent, a CLI), then recovered the way a user
 * would (another `watch --once`, or `continue` once the automatic retry is used up), and checked:
 *
 * - every accepted follow-up (a `followup_received` line) was delivered exactly once (one
 *   `prompt_sent` naming it whose run concluded: its agent process recorded `agent_started`, or
 *   the run's end was recorded), in arrival order;
 *   every drop and every confirmed `baton followup` is among them;
 * - never two agents alive in one worktree (fake-agent log spans, and /proc sampled live);
 * - every status file parses, every history line parses (nothing glued, nothing torn);
 * - nothing is left running (by the rig's marker), and the next watcher start finds nothing to do.
 *
 * Heavy: BATON_HEAVY=1 runs 200 trials (BATON_CRASH_TRIALS to change it); by default one trial
 * per scenario. BATON_CRASH_SEED reproduces a run; every failure prints BATON_CRASH_REPLAY=... to
 * rerun just that trial.
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { parseCrashSpec } from '../../src/proc/crash.js';
import {
  AgentSampler,
  agentSpans,
  deliveredIds,
  deliveryProblems,
  isAlive,
  overlappingSpans,
  sentIds,
  unparseableLogs,
  type FakeEvent,
} from '../helpers/invariants.js';
import { fakeAgentsYaml, makeRig, markedPids, batonBin, type Rig } from '../helpers/rig.js';

const HEAVY = process.env.BATON_HEAVY === '1';
const SLUG = 'job';

const POINTS = [
  'dispatch.after-lock',
  'dispatch.after-status',
  'ingest.after-claim',
  'ingest.after-record',
  'ingest.after-publish',
  'worker.after-prompt-sent',
  'worker.after-spawn',
  'worker.after-exit',
  'worker.before-release',
  'cycle.after-plan',
] as const;
type Point = (typeof POINTS)[number];
const TARGETS = ['watcher', 'worker', 'agent', 'cli'] as const;
type Target = (typeof TARGETS)[number];
type Scenario = { kind: 'point'; point: Point } | { kind: 'kill'; target: Target };
/** BATON_CRASH_ONLY=worker.after-spawn,agent narrows the run to some scenarios (to debug one). */
const ONLY = (process.env.BATON_CRASH_ONLY ?? '').split(',').filter((s) => s !== '');
const SCENARIOS: Scenario[] = [
  ...POINTS.map((point): Scenario => ({ kind: 'point', point })),
  ...TARGETS.map((target): Scenario => ({ kind: 'kill', target })),
].filter((s) => ONLY.length === 0 || ONLY.includes(s.kind === 'point' ? s.point : s.target));

const TRIALS = Number(process.env.BATON_CRASH_TRIALS ?? (HEAVY ? 200 : SCENARIOS.length));
const CONCURRENCY = HEAVY ? 3 : 2;
const BASE_SEED = Number(process.env.BATON_CRASH_SEED ?? Date.now() % 1_000_000_000);

/** Which command carries BATON_CRASH_AT in a trial. */
type Carrier = 'start' | 'followup-cli' | 'followup-start' | 'once-ingest' | 'watcher';
const CARRIERS: Record<Point, Carrier[]> = {
  'dispatch.after-lock': ['start', 'followup-start', 'watcher'],
  'dispatch.after-status': ['start', 'followup-start', 'watcher'],
  'ingest.after-claim': ['followup-cli', 'once-ingest', 'watcher'],
  'ingest.after-record': ['followup-cli', 'once-ingest', 'watcher'],
  'ingest.after-publish': ['followup-cli', 'once-ingest', 'watcher'],
  // Not the watcher: every worker it starts would inherit the variable and crash again, forever.
  'worker.after-prompt-sent': ['start', 'followup-start'],
  'worker.after-spawn': ['start', 'followup-start'],
  'worker.after-exit': ['start', 'followup-start'],
  'worker.before-release': ['start', 'followup-start'],
  'cycle.after-plan': ['start', 'once-ingest', 'watcher'],
};

/** A small deterministic PRNG (mulberry32), so a failing trial can be replayed from its seed. */
function prng(seed: number): {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
} {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
  };
}

/** What one trial does, decided up front from its seed. */
interface Plan {
  seed: number;
  scenario: Scenario;
  /** Drops are ingested by `watch --once` calls, or by a `baton watch` running in the background. */
  mode: 'once' | 'watcher';
  start: 'dispatch' | 'once';
  carrier: Carrier | null;
  crashAt: string | null;
  taskSleep: number;
  followups: { via: 'cli' | 'drop'; sleep: number; gapMs: number; ingestNow: boolean }[];
  /** Index of the follow-up that carries the crash (followup-cli / followup-start) or is killed (cli). */
  special: number;
  killAfterMs: number;
  /** How the user recovers: `watch --once` (and `continue`) by hand, or by starting `baton watch`. */
  recoverBy: 'once' | 'watcher';
  first: boolean;
}

/** `first`: the scenario's first trial, which crashes on the first hit so that every point fires at least once. */
function planTrial(seed: number, scenario: Scenario, first: boolean): Plan {
  const r = prng(seed);
  const n = r.int(3, 4);
  const followups = Array.from({ length: n }, () => ({
    via: r.pick(['cli', 'drop'] as const),
    sleep: r.pick([0, 100, 300]),
    gapMs: r.pick([0, 50, 250, 600]),
    ingestNow: r.next() < 0.5,
  }));
  let carrier: Carrier | null = null;
  let crashAt: string | null = null;
  let mode: Plan['mode'] = r.next() < 0.35 ? 'watcher' : 'once';
  if (scenario.kind === 'point') {
    carrier = r.pick(CARRIERS[scenario.point]);
    // A later hit exists only in a process that gets there more than once: a worker running a
    // chain, or a watcher running cycles.
    const again =
      scenario.point.startsWith('worker.') ||
      (scenario.point === 'cycle.after-plan' && carrier === 'watcher');
    const nth = again && !first ? r.int(1, 2) : 1;
    crashAt = nth === 1 ? scenario.point : `${scenario.point}@${nth}`;
    // The carrying command must be the one that meets the point: a running watcher could get there first.
    mode = carrier === 'watcher' ? 'watcher' : 'once';
  } else if (scenario.target === 'watcher') {
    mode = 'watcher';
  }
  const special = r.int(0, n - 1);
  // The carrying or killed follow-up must go through the CLI; an ingest carried by `watch --once` needs a drop.
  if (
    carrier === 'followup-cli' ||
    carrier === 'followup-start' ||
    (scenario.kind === 'kill' && scenario.target === 'cli')
  )
    followups[special]!.via = 'cli';
  if (
    carrier === 'once-ingest' ||
    (carrier === 'watcher' && scenario.kind === 'point' && scenario.point.startsWith('ingest.'))
  )
    followups[special]!.via = 'drop';
  const start: Plan['start'] =
    carrier === 'start' && scenario.kind === 'point' && scenario.point === 'cycle.after-plan'
      ? 'once'
      : r.pick(['dispatch', 'once'] as const);
  return {
    seed,
    scenario,
    mode,
    start,
    carrier,
    crashAt,
    taskSleep: r.pick([0, 200, 500]),
    followups,
    special,
    killAfterMs: r.int(0, 1500),
    recoverBy: r.pick(['once', 'watcher'] as const),
    first,
  };
}

const body = (i: number, ms: number): string => `fu-${i}\n@fake sleep=${ms}`;
const dropLabel = (i: number): string => `d${i}`;

/** Everything a trial observed, for the checks and for the failure message. */
interface Observed {
  crashed: boolean;
  /** Follow-ups sent again because their first agent never started (a kill in between). */
  redelivered: string[];
  cliConfirmed: string[];
  notes: string[];
}

async function runTrial(plan: Plan): Promise<Observed> {
  const rig = await makeRig({
    config: fakeAgentsYaml(
      'heartbeatSeconds: 0.5\nretryCooldownSeconds: 0.2\ninterruptGraceSeconds: 1\ndispatchTimeoutSeconds: 20',
    ),
  });
  const marker = rig.env.BATON_TEST_MARKER!;
  const sampler = new AgentSampler(marker).start();
  const obs: Observed = { crashed: false, redelivered: [], cliConfirmed: [], notes: [] };
  const crashLog = path.join(rig.base, 'crash.log');
  const crashEnv: Record<string, string> = plan.crashAt
    ? { BATON_CRASH_AT: plan.crashAt, BATON_CRASH_LOG: crashLog }
    : {};
  let watcher: Launched | null = null;
  const note = (s: string): void => void obs.notes.push(`${new Date().toISOString().slice(11, 23)} ${s}`);
  try {
    // The flow.
    if (plan.mode === 'watcher') {
      watcher = launch(rig, ['watch'], plan.carrier === 'watcher' ? crashEnv : {});
      await Promise.race([watcher.waitForLine(/watching/), watcher.ended]);
      note(`watcher ${watcher.pid} started`);
    }
    await rig.writeTask(SLUG, `the task\n@fake sleep=${plan.taskSleep}`);
    if (plan.mode === 'once') {
      const env = plan.carrier === 'start' ? crashEnv : {};
      const r =
        plan.start === 'dispatch'
          ? await rig.baton(['dispatch', SLUG], { env })
          : await rig.baton(['watch', '--once', '--json'], { env });
      note(`start by ${plan.start}: exit ${r.code} ${r.stderr.trim().slice(0, 300)}`);
    }
    const killer =
      plan.scenario.kind === 'kill' && plan.scenario.target !== 'cli'
        ? killLater(rig, plan, () => watcher, note)
        : null;
    let onceCarried = false;
    for (const [i, f] of plan.followups.entries()) {
      await sleep(f.gapMs);
      if (f.via === 'cli') {
        const isSpecial = i === plan.special;
        if (isSpecial && plan.scenario.kind === 'kill' && plan.scenario.target === 'cli') {
          const bg = launch(rig, ['followup', SLUG, body(i, f.sleep)]);
          await sleep(prng(plan.seed + i).int(0, 600));
          try {
            process.kill(bg.pid, 'SIGKILL');
          } catch {
            // already done
          }
          const { code } = await bg.ended;
          note(`followup ${i} by CLI killed: exit ${code}`);
          if (code !== 0) obs.crashed = true;
          if (code === 0) obs.cliConfirmed.push(body(i, f.sleep));
          continue;
        }
        if (isSpecial && plan.carrier === 'followup-start')
          await waitQuiet(rig, watcher ? [watcher.pid] : [], 30_000);
        const env =
          isSpecial && (plan.carrier === 'followup-cli' || plan.carrier === 'followup-start') ? crashEnv : {};
        const r = await rig.baton(['followup', SLUG, body(i, f.sleep)], { env });
        note(`followup ${i} by CLI: exit ${r.code} ${r.stderr.trim().slice(0, 300)}`);
        if (r.code === 0) obs.cliConfirmed.push(body(i, f.sleep));
      } else {
        const file = path.join(rig.root, 'tasks', `${SLUG}.${dropLabel(i)}.followup.md`);
        await fs.writeFile(`${file}.tmp`, `${body(i, f.sleep)}\n`);
        await fs.rename(`${file}.tmp`, file);
        note(`followup ${i} dropped`);
        if (plan.mode === 'once' && (f.ingestNow || (plan.carrier === 'once-ingest' && i === plan.special))) {
          const carry: boolean = plan.carrier === 'once-ingest' && !onceCarried && i >= plan.special;
          onceCarried ||= carry;
          const r = await rig.baton(['watch', '--once', '--json'], { env: carry ? crashEnv : {} });
          note(
            `watch --once${carry ? ' (carrying the crash)' : ''}: exit ${r.code} ${r.stderr.trim().slice(0, 200)}`,
          );
        }
      }
    }
    if (plan.carrier === 'once-ingest' && !onceCarried) {
      const r = await rig.baton(['watch', '--once', '--json'], { env: crashEnv });
      note(`watch --once (carrying the crash): exit ${r.code}`);
    }
    if (await killer) obs.crashed = true;
    if (watcher && isAlive(watcher.pid)) {
      // Let the watcher finish reacting (the user stops it later); then stop it cleanly.
      await waitQuiet(rig, [watcher.pid], 30_000);
      try {
        process.kill(watcher.pid, 'SIGTERM');
      } catch {
        // it crashed meanwhile (it may carry the crash)
      }
      note(`watcher stopped: ${show(await watcher.ended)}`);
    }
    watcher = null;
    // A worker carrying the crash may still be on its way to the point.
    await waitQuiet(rig, [], 30_000);
    const hits = existsSync(crashLog) ? readFileSync(crashLog, 'utf8').trim().split('\n') : [];
    note(`crashes: ${hits.length === 0 ? 'none' : hits.join(' ')}`);
    obs.crashed ||= hits.length > 0;
    // A point asked for on its first hit, carried by a command that always reaches it, must have fired
    // (a watcher or a CLI may find its work already done by another process).
    const sure =
      plan.carrier === 'start' || plan.carrier === 'followup-start' || plan.carrier === 'once-ingest';
    if (sure && plan.crashAt !== null && !plan.crashAt.includes('@') && hits.length === 0)
      throw new Error(`the crash at ${plan.crashAt} never happened`);

    if (plan.recoverBy === 'watcher') await recoverByWatcher(rig, note);
    else await recover(rig, note);
    await expectNothingLeft(rig, note);
    sampler.stop();
    sampler.sample();
    check(rig, plan, obs, sampler);
    if (process.env.BATON_CRASH_VERBOSE)
      process.stderr.write(`trial ${describePlan(plan)}: ok\n${obs.notes.join('\n')}\n`);
    return obs;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `trial ${describePlan(plan)}:\n${why}\n--- timeline\n${obs.notes.join('\n')}\n--- history\n${rig
        .history(SLUG)
        .map((h) => JSON.stringify({ ...h, prompt: undefined, body: undefined }))
        .join('\n')}`,
      { cause: err },
    );
  } finally {
    sampler.stop();
    await rig.cleanup();
  }
}

/** BATON_CRASH_REPLAY=<seed>:<scenario>:<first> reruns one trial exactly, as a failure prints it. */
function replayPlan(text: string | undefined): Plan | null {
  const m = /^(\d+):([a-z.-]+):(true|false)$/.exec(text ?? '');
  if (!m) return null;
  const name = m[2]!;
  const scenario = (POINTS as readonly string[]).includes(name)
    ? ({ kind: 'point', point: name as Point } as const)
    : ({ kind: 'kill', target: name as Target } as const);
  return planTrial(Number(m[1]), scenario, m[3] === 'true');
}

function describePlan(plan: Plan): string {
  const what =
    plan.scenario.kind === 'point'
      ? `crash at ${plan.crashAt} carried by ${plan.carrier}`
      : `kill -9 ${plan.scenario.target} after ${plan.killAfterMs} ms`;
  const fus = plan.followups.map((f) => f.via).join(',');
  const name = plan.scenario.kind === 'point' ? plan.scenario.point : plan.scenario.target;
  return `BATON_CRASH_REPLAY=${plan.seed}:${name}:${plan.first} (${what}, ${plan.mode} mode, started by ${plan.start}, follow-ups ${fus})`;
}

/** kill -9 of the scenario's target at the plan's moment (a no-op if none is alive then). */
async function killLater(
  rig: Rig,
  plan: Plan,
  watcher: () => Launched | null,
  note: (s: string) => void,
): Promise<boolean> {
  if (plan.scenario.kind !== 'kill') return false;
  await sleep(plan.killAfterMs);
  const target = plan.scenario.target;
  for (let tries = 0; tries < 40; tries++) {
    const re = target === 'worker' ? /main\.js\0worker\0/ : /fake-claude\.mjs/;
    const pid =
      target === 'watcher'
        ? (watcher()?.pid ?? null)
        : (markedPids(rig.env.BATON_TEST_MARKER!).find((p) => re.test(cmdline(p))) ?? null);
    const group = target === 'agent';
    if (pid !== null && isAlive(pid)) {
      try {
        process.kill(group ? -pid : pid, 'SIGKILL');
        note(`kill -9 ${target} ${pid}`);
        return true;
      } catch {
        return false; // gone meanwhile
      }
    }
    await sleep(50);
  }
  note(`no ${target} alive to kill`);
  return false;
}

/** A baton process in the background, its output collected. */
interface Launched {
  pid: number;
  output(): string;
  waitForLine(re: RegExp, timeoutMs?: number): Promise<void>;
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `baton <args>` under the rig with `env` added (rig.cleanup ends it by its marker). */
function launch(rig: Rig, args: string[], env: Record<string, string> = {}): Launched {
  const child = spawn(process.execPath, [batonBin, ...args], {
    cwd: rig.root,
    env: { ...rig.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    pid: child.pid ?? -1,
    output: () => out,
    ended,
    async waitForLine(re, timeoutMs = 30_000) {
      let exited = 'still running';
      void ended.then((e) => (exited = show(e)));
      await rig
        .waitFor(`${re} in the output of baton ${args.join(' ')}`, () => re.test(out), timeoutMs)
        .catch((err: unknown) => {
          // What the process said (and whether it ended) is what tells a hang from a refusal.
          throw new Error(`${String(err)} (pid ${child.pid}, ${exited}); its output:\n${out}`);
        });
    },
  };
}

function show(end: { code: number | null; signal: NodeJS.Signals | null }): string {
  return end.signal ? `killed by ${end.signal}` : `exit ${end.code}`;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1');
  } catch {
    return '';
  }
}

/** Waits until no process of the rig runs but `except` (workers, agents and CLIs have all ended). */
async function waitQuiet(rig: Rig, except: number[], timeoutMs: number): Promise<void> {
  const marker = rig.env.BATON_TEST_MARKER!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = markedPids(marker).filter((p) => !except.includes(p));
    if (left.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `still running after ${timeoutMs} ms: ${left.map((p) => `${p} ${cmdline(p).replace(/\0/g, ' ')}`).join('; ')}`,
      );
    await sleep(100);
  }
}

function inboxEntries(rig: Rig): string[] {
  const dir = path.join(rig.root, 'tasks/logs/inbox', SLUG);
  return existsSync(dir) ? readdirSync(dir) : [];
}

function dropsLeft(rig: Rig): string[] {
  return readdirSync(path.join(rig.root, 'tasks')).filter((n) => n.endsWith('.followup.md'));
}

/** Moves claims left by a killed ingester back past STALE_CLAIM_MS (10 s), instead of waiting that long. */
function ageClaims(rig: Rig): void {
  const inboxDir = path.join(rig.root, 'tasks/logs/inbox', SLUG);
  const old = (Date.now() - 60_000) / 1000;
  for (const n of inboxEntries(rig))
    if (n.startsWith('.claim-')) utimesSync(path.join(inboxDir, n), old, old);
}

/** Settled: nothing waits in tasks/ or the inbox and the task rests idle or failed. */
function settled(rig: Rig): boolean {
  const state = rig.status(SLUG)?.state;
  return inboxEntries(rig).length + dropsLeft(rig).length === 0 && (state === 'idle' || state === 'failed');
}

/** A person's move: the one automatic retry is used up, so they continue the task. */
function needsContinue(rig: Rig): boolean {
  const st = rig.status(SLUG);
  return (st?.state === 'worker_gone' || st?.state === 'stalled') && st.retryAt === null;
}

/** Recovers as a user would by hand: `watch --once` until nothing is pending, `continue` when no retry is left. */
async function recover(rig: Rig, note: (s: string) => void): Promise<void> {
  for (let round = 0; round < 25; round++) {
    await waitQuiet(rig, [], 30_000);
    ageClaims(rig);
    if (settled(rig)) return;
    const st = rig.status(SLUG);
    if (needsContinue(rig)) {
      const r = await rig.baton(['continue', SLUG]);
      note(
        `recover: continue (${String(st?.state)}, no retry left): exit ${r.code} ${r.stderr.trim().slice(0, 200)}`,
      );
      continue;
    }
    const retryAt = typeof st?.retryAt === 'string' ? Date.parse(st.retryAt) : null;
    if (retryAt !== null && retryAt > Date.now()) await sleep(retryAt - Date.now() + 20);
    const r = await rig.baton(['watch', '--once', '--json']);
    note(
      `recover: watch --once (${String(st?.state ?? 'no status')}): exit ${r.code} ${r.stdout.trim().slice(0, 300)}`,
    );
    if (r.code !== 0) throw new Error(`watch --once failed in recovery: ${r.stderr}`);
  }
  throw new Error(
    `not recovered after 25 rounds: state ${String(rig.status(SLUG)?.state)}, inbox ${inboxEntries(rig).join(' ')}`,
  );
}

/** Recovers by starting the watcher (it adopts, retries, ingests); `continue` when no retry is left. */
async function recoverByWatcher(rig: Rig, note: (s: string) => void): Promise<void> {
  await waitQuiet(rig, [], 30_000);
  ageClaims(rig);
  const w = launch(rig, ['watch']);
  try {
    await w.waitForLine(/watching/);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (Date.now() > deadline)
        throw new Error(
          `the watcher did not recover in 60 s: state ${String(rig.status(SLUG)?.state)}, inbox ${inboxEntries(rig).join(' ')}\n${w.output()}`,
        );
      await sleep(100);
      if (!markedPids(rig.env.BATON_TEST_MARKER!).every((p) => p === w.pid)) continue;
      if (settled(rig)) break;
      if (needsContinue(rig)) {
        const r = await rig.baton(['continue', SLUG]);
        note(`recover: continue under the watcher: exit ${r.code} ${r.stderr.trim().slice(0, 200)}`);
      }
    }
  } finally {
    process.kill(w.pid, 'SIGTERM');
  }
  const end = await w.ended;
  note(`recover: watcher stopped, ${show(end)}`);
  expect(end, w.output()).toEqual({ code: 0, signal: null });
}

/** One more `watch --once` finds nothing left to do. */
async function expectNothingLeft(rig: Rig, note: (s: string) => void): Promise<void> {
  const r = await rig.baton(['watch', '--once', '--json']);
  note(`final watch --once: exit ${r.code} ${r.stdout.trim().slice(0, 300)}`);
  expect(r.code, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout) as { decisions: unknown[]; ingested: unknown[] };
  expect(report.decisions, 'work was left after recovery').toEqual([]);
  expect(report.ingested, 'drops were left after recovery').toEqual([]);
}

function check(rig: Rig, plan: Plan, obs: Observed, sampler: AgentSampler): void {
  const history = rig.history(SLUG);
  expect(unparseableLogs(rig.root), 'unparseable status or history').toEqual([]);
  expect(deliveryProblems(history), 'follow-up delivery').toEqual([]);
  // Every drop (by its label) was delivered exactly once.
  const sent = deliveredIds(history);
  plan.followups.forEach((f, i) => {
    if (f.via !== 'drop') return;
    const n = sent.filter((id) => id.includes(`.${dropLabel(i)}.`)).length;
    expect(n, `drop ${dropLabel(i)} delivered ${n} times`).toBe(1);
  });
  // A prompt a killed worker recorded but no agent received was sent again (counted for the summary).
  obs.redelivered = history.filter((h) => h.type === 'prompt_sent' && h.redelivery).flatMap(sentIds);
  // Every follow-up `baton followup` confirmed was accepted, or at least sent.
  const received = history.filter((h) => h.type === 'followup_received');
  const prompts = history.filter((h) => sentIds(h).length > 0).map((h) => String(h.prompt));
  for (const b of obs.cliConfirmed) {
    const kept = received.some((h) => h.body === b) || prompts.some((p) => p.includes(b));
    expect(kept, `confirmed follow-up ${JSON.stringify(b)} was lost`).toBe(true);
  }
  // Nothing was delivered without a record of its acceptance (ingest records before it publishes).
  expect(sent.filter((id) => !received.some((h) => h.id === id))).toEqual([]);
  // No two agents in one worktree, ever.
  const spans = agentSpans(rig.fakeEvents() as FakeEvent[], sampler.lastSeen, isAlive);
  expect(
    overlappingSpans(spans).map(
      ([a, b]) => `${a.pid}[${a.start}-${a.end}] and ${b.pid}[${b.start}-${b.end}]`,
    ),
  ).toEqual([]);
  expect(sampler.violations).toEqual([]);
  // Nothing left running.
  expect(markedPids(rig.env.BATON_TEST_MARKER!)).toEqual([]);
}

/** The known gaps a scenario showed, for the summary line. */
function gaps(r: { redelivered: number }): string {
  const out = [];
  if (r.redelivered) out.push(`${r.redelivered} sent again after a kill before the agent started`);
  return out.length ? ` (${out.join('; ')})` : '';
}

describe('crash points', () => {
  it('parse BATON_CRASH_AT: names, @N, lists; malformed items are ignored', () => {
    expect(parseCrashSpec(undefined)).toEqual([]);
    expect(parseCrashSpec('worker.after-spawn')).toEqual([{ name: 'worker.after-spawn', nth: 1 }]);
    expect(parseCrashSpec(' a@3 , b ,c@0,bad name,d@x')).toEqual([
      { name: 'a', nth: 3 },
      { name: 'b', nth: 1 },
    ]);
  });
});

describe(`crash points and kill -9 (${TRIALS} trials${HEAVY ? ', heavy' : ''})`, () => {
  it(
    'recovers from a kill at every point: each follow-up exactly once and in order, one agent per worktree, nothing torn, nothing left running',
    async () => {
      const replay = replayPlan(process.env.BATON_CRASH_REPLAY);
      const plans = replay
        ? [replay]
        : Array.from({ length: TRIALS }, (_, i) =>
            planTrial(BASE_SEED + i, SCENARIOS[i % SCENARIOS.length]!, i < SCENARIOS.length),
          );
      const failures: string[] = [];
      const crashed = new Map<string, { trials: number; crashed: number; redelivered: number }>();
      let nextIndex = 0;
      const runner = async (): Promise<void> => {
        while (nextIndex < plans.length) {
          const plan = plans[nextIndex++]!;
          const key =
            plan.scenario.kind === 'point' ? plan.scenario.point : `kill -9 ${plan.scenario.target}`;
          const row = crashed.get(key) ?? { trials: 0, crashed: 0, redelivered: 0 };
          crashed.set(key, row);
          row.trials++;
          try {
            const obs = await runTrial(plan);
            if (obs.crashed) row.crashed++;
            row.redelivered += obs.redelivered.length;
          } catch (err) {
            failures.push(err instanceof Error ? err.message : String(err));
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, runner));
      process.stderr.write(
        `crash suite, base seed ${BASE_SEED}: ${[...crashed].map(([k, r]) => `${k} ${r.crashed}/${r.trials}${gaps(r)}`).join(', ')}\n`,
      );
      expect(
        failures,
        `${failures.length} of ${plans.length} trials failed (base seed ${BASE_SEED})`,
      ).toEqual([]);
    },
    Math.max(170_000, TRIALS * 25_000),
  );
});
