/**
 * The watcher's file events through chokidar (src/watch/folder-events.ts), with the heartbeat an
 * hour away so only an event can have caused a reaction: a dropped task, a task edited from draft
 * to ready, a dropped follow-up, a worker's status change freeing a slot — and all of them again
 * after tasks/ (with tasks/logs/) was deleted and made anew under the running watcher.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  agentStarts,
  fakeAgentsYaml,
  makeRig,
  spawnBaton,
  type Background,
  type Rig,
} from '../helpers/rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 3600\nmaxConcurrent: 1') });
});
afterEach(async () => {
  await rig.cleanup();
});

const starts = (slug: string): number => agentStarts(rig, slug).length;
const idle = (slug: string): boolean => rig.status(slug)?.state === 'idle' && rig.status(slug)?.pid === null;

/** Drops a follow-up the way an agent would: written aside, renamed in. */
async function dropFollowup(slug: string, text: string): Promise<void> {
  const file = path.join(rig.root, 'tasks', `${slug}.n${Date.now()}.followup.md`);
  await fs.writeFile(`${file}.tmp`, `${text}\n`);
  await fs.rename(`${file}.tmp`, file);
}

/**
 * Every kind of event once, for tasks named after `tag`: a drop, an edit, a follow-up, and a
 * worker finishing (its status file) letting the next task in under maxConcurrent 1.
 */
async function everyEvent(w: Background, tag: string): Promise<void> {
  const a = `${tag}-a`;
  const b = `${tag}-b`;
  await rig.writeTask(a, 'Draft for now.', { status: 'draft' });
  // A file the watcher explains in its log: once it has, it has read the draft dropped before it.
  await fs.writeFile(path.join(rig.root, 'tasks', `Seen-${tag}.md`), 'x\n');
  await w.waitForLine(new RegExp(`tasks/Seen-${tag}\\.md: `), 20_000);
  expect(starts(a)).toBe(0);
  await fs.writeFile(path.join(rig.root, 'tasks', `${a}.md`), '@fake sleep=0\n'); // edited in place: ready
  await rig.waitFor(`${a} started by its edit`, () => starts(a) === 1);
  await rig.waitFor(`${a} idle`, () => idle(a));
  await dropFollowup(a, 'More, please.');
  await rig.waitFor(`${a} follow-up run`, () => starts(a) === 2 && idle(a));
  expect(agentStarts(rig, a)[1]!.prompt).toBe('More, please.');
  // One slot: b waits while a runs, and goes when a's status says it is done.
  await dropFollowup(a, '@fake sleep=1500');
  await rig.waitFor(`${a} busy again`, () => starts(a) === 3);
  await rig.writeTask(b, '@fake sleep=0');
  await w.waitForLine(new RegExp(`${b} is ready; it waits for a free slot`), 20_000);
  await rig
    .waitFor(`${b} started once ${a} finished`, () => starts(b) === 1 && idle(a), 30_000)
    .catch((e: unknown) => {
      throw new Error(`${String(e)}\n${w.output()}`);
    });
}

it('reacts to drops, edits, follow-ups and status changes, and again after tasks/ is deleted and made anew', async () => {
  const w = spawnBaton(rig, ['watch']);
  // The first cycle writes the heartbeat once the folders are listed: every event from then on counts.
  await rig.waitFor('the first cycle', () => existsSync(path.join(rig.root, 'tasks/logs/heartbeat.json')));
  await everyEvent(w, 'first');
  const released = (slug: string): boolean => rig.history(slug).some((h) => h.type === 'lock_released');
  await rig.waitFor('both workers done', () => released('first-a') && released('first-b'));
  const tasks = path.join(rig.root, 'tasks');
  // Retried: the watcher, seeing the folder go, runs a cycle that writes its heartbeat in it.
  await fs.rm(tasks, { recursive: true, maxRetries: 10 });
  await fs.mkdir(tasks, { recursive: true });
  await rig.writeTask('again', '@fake sleep=0');
  await rig.waitFor('a task dropped in the new tasks/ started', () => starts('again') === 1);
  expect(existsSync(path.join(tasks, 'logs'))).toBe(true); // made anew by the dispatch
  await everyEvent(w, 'second');
  expect(
    w
      .output()
      .split('\n')
      .filter((l) => /error/i.test(l)),
  ).toEqual([]);
});
