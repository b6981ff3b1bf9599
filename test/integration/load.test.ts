/**
 * Load (issue 6): many task files of which some are ready, then a burst of follow-up drops over a
 * few tasks, all through one running `baton watch` with a cheap fake agent. Checks that every
 * ready task runs once, every follow-up runs exactly once and in the order it was dropped, and
 * that `maxConcurrent` holds: never more agents alive at once (across all tasks) than allowed.
 *
 * Heavy-tagged scale: BATON_HEAVY=1 runs 1,000 task files with 50 ready and 1,000 drops over 10
 * tasks; by default 200 files with 10 ready and 100 drops over 5 tasks.
 */
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentSampler,
  agentSpans,
  deliveryProblems,
  isAlive,
  maxConcurrency,
  overlappingSpans,
  sentIds,
  unparseableLogs,
  type FakeEvent,
} from '../helpers/invariants.js';
import {
  fakeAgentsYaml,
  makeRig,
  markedPids,
  spawnBaton,
  type Background,
  type Rig,
} from '../helpers/rig.js';

const HEAVY = process.env.BATON_HEAVY === '1';
const FILES = HEAVY ? 1000 : 200;
const READY = HEAVY ? 50 : 10;
const DROPS = HEAVY ? 1000 : 100;
const DROP_TASKS = HEAVY ? 10 : 5;
const MAX_CONCURRENT = 4;

let rig: Rig;
let watcher: Background;
let sampler: AgentSampler;
const readySlugs = Array.from({ length: READY }, (_, i) => `ready-${String(i).padStart(3, '0')}`);

type Ev = FakeEvent & { env?: Record<string, string> };
const events = (): Ev[] => rig.fakeEvents() as Ev[];
const startsOf = (slug: string): Ev[] =>
  events().filter((e) => e.event === 'start' && e.env?.BATON_SLUG === slug);

/** Nothing of this rig runs but the watcher. */
const quiet = (): boolean => markedPids(rig.env.BATON_TEST_MARKER!).every((p) => p === watcher.pid);

beforeAll(async () => {
  rig = await makeRig({
    config: fakeAgentsYaml(`maxConcurrent: ${MAX_CONCURRENT}\nmaxDispatchesPerCycle: 4\nheartbeatSeconds: 2`),
  });
  const tasks = path.join(rig.root, 'tasks');
  // Written directly (the rig's writeTask renames one file at a time): this is setup, not input.
  const writes: Promise<void>[] = [];
  for (let i = 0; i < FILES - READY; i++) {
    const status = i % 3 === 0 ? 'done' : 'draft';
    writes.push(
      fs.writeFile(
        path.join(tasks, `idle-${String(i).padStart(5, '0')}.md`),
        `---\nstatus: ${status}\ntitle: t${i}\n---\nTask ${i}.\n`,
      ),
    );
  }
  for (const slug of readySlugs)
    writes.push(
      fs.writeFile(path.join(tasks, `${slug}.md`), `---\npriority: 1\n---\nRun ${slug}.\n@fake sleep=0\n`),
    );
  await Promise.all(writes);
  sampler = new AgentSampler(rig.env.BATON_TEST_MARKER!).start();
  watcher = spawnBaton(rig, ['watch']);
  await watcher.waitForLine(/watching/);
}, 120_000);

afterAll(async () => {
  sampler.stop();
  await rig.cleanup();
});

function assertConcurrency(): void {
  sampler.sample();
  const spans = agentSpans(events(), sampler.lastSeen, isAlive);
  expect(overlappingSpans(spans)).toEqual([]);
  expect(maxConcurrency(spans), 'agents alive at once').toBeLessThanOrEqual(MAX_CONCURRENT);
  expect(sampler.violations).toEqual([]);
}

describe(`load: ${FILES} task files, ${READY} ready; ${DROPS} drops over ${DROP_TASKS} tasks`, () => {
  it(
    `runs each ready task once, at most ${MAX_CONCURRENT} agents at a time`,
    async () => {
      await rig.waitFor(
        'every ready task to run and rest',
        () => readySlugs.every((s) => rig.status(s)?.state === 'idle') && quiet(),
        HEAVY ? 600_000 : 180_000,
      );
      for (const slug of readySlugs) expect(startsOf(slug), slug).toHaveLength(1);
      const others = events().filter(
        (e) => e.event === 'start' && !readySlugs.includes(e.env?.BATON_SLUG ?? ''),
      );
      expect(others, 'a draft or done task ran').toEqual([]);
      assertConcurrency();
    },
    HEAVY ? 900_000 : 240_000,
  );

  it(
    'runs a burst of follow-up drops exactly once each, in the order dropped, within maxConcurrent',
    async () => {
      const targets = readySlugs.slice(0, DROP_TASKS);
      const tasks = path.join(rig.root, 'tasks');
      const dropped = new Map<string, string[]>(targets.map((t) => [t, []]));
      for (let n = 0; n < DROPS; n++) {
        const slug = targets[n % targets.length]!;
        const label = `n${String(n).padStart(5, '0')}`;
        const file = path.join(tasks, `${slug}.${label}.followup.md`);
        await fs.writeFile(`${file}.tmp`, `follow-up ${label}\n@fake sleep=0\n`);
        await fs.rename(`${file}.tmp`, file);
        dropped.get(slug)!.push(label);
      }
      const sentLabels = (slug: string): string[] =>
        rig
          .history(slug)
          .flatMap(sentIds)
          .map((id) => /\.(n\d+)\.queue\.md$/.exec(id)?.[1] ?? id);
      await rig.waitFor(
        'every follow-up to run',
        () =>
          targets.every(
            (t) => sentLabels(t).length >= dropped.get(t)!.length && rig.status(t)?.state === 'idle',
          ) &&
          quiet() &&
          targets.every((t) => {
            const inbox = path.join(tasks, 'logs/inbox', t);
            return !existsSync(inbox) || readdirSync(inbox).length === 0;
          }),
        HEAVY ? 1_800_000 : 240_000,
      );
      for (const t of targets) {
        const history = rig.history(t);
        expect(deliveryProblems(history), t).toEqual([]);
        // Arrival order is the order of acceptance; here that is the order they were dropped in.
        expect(sentLabels(t).join(' '), `${t}: run order`).toBe(dropped.get(t)!.join(' '));
        const received = history.filter((h) => h.type === 'followup_received').map((h) => String(h.id));
        expect(history.flatMap(sentIds), `${t}: sent in the order received`).toEqual(received);
        // One agent run per follow-up (plus the task's own first run).
        expect(startsOf(t)).toHaveLength(1 + dropped.get(t)!.length);
      }
      expect(readdirSync(tasks).filter((n) => n.endsWith('.followup.md') || n.endsWith('.rejected'))).toEqual(
        [],
      );
      assertConcurrency();
      expect(unparseableLogs(rig.root)).toEqual([]);
      expect(isAlive(watcher.pid)).toBe(true);
      process.kill(watcher.pid, 'SIGTERM');
      expect(await watcher.exited).toBe(0);
    },
    HEAVY ? 2_400_000 : 300_000,
  );
});
