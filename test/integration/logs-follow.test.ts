/**
 * `baton logs <slug> -f` through chokidar (src/watch/folder-events.ts): it follows a log that
 * appears after it started, grows, is replaced by a new file under the same name (rotated) and is
 * truncated, printing each byte once; SIGINT ends it with exit 0.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeRig, spawnBaton, type Rig } from '../helpers/rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig();
});
afterEach(async () => {
  await rig.cleanup();
});

it('follows a log that appears late, grows, is rotated and truncated', async () => {
  const log = path.join(rig.root, 'tasks/logs/dispatch-tail.log');
  const f = spawnBaton(rig, ['logs', 'tail', '-f']);
  const printed = (text: string): Promise<string> => f.waitForLine(new RegExp(`^${text}$`), 20_000);
  // Created after the follow began: no log yet is not an error with -f.
  await fs.writeFile(log, 'one\n');
  await printed('one');
  await fs.appendFile(log, 'two\n');
  await printed('two');
  await fs.appendFile(log, 'three\n');
  await printed('three');
  // Rotated: the old file moved away, a new one (longer than what was read) under the same name.
  await fs.rename(log, `${log}.1`);
  await fs.writeFile(`${log}.tmp`, 'rotated-a\nrotated-b\nrotated-c\nrotated-d\n');
  await fs.rename(`${log}.tmp`, log);
  await printed('rotated-d');
  // Truncated in place, then written again.
  await fs.truncate(log, 0);
  await fs.appendFile(log, 'after-truncate\n');
  await printed('after-truncate');
  await fs.appendFile(log, 'last\n');
  await printed('last');
  process.kill(f.pid, 'SIGINT');
  expect(await f.exited).toBe(0);
  expect(f.output()).toBe(
    [
      'one',
      'two',
      'three',
      'rotated-a',
      'rotated-b',
      'rotated-c',
      'rotated-d',
      'after-truncate',
      'last',
      '',
    ].join('\n'),
  );
});

it('prints what the log already holds, then what is appended', async () => {
  const log = path.join(rig.root, 'tasks/logs/dispatch-grow.log');
  await fs.writeFile(log, 'before\n');
  const f = spawnBaton(rig, ['logs', 'grow', '-f']);
  await f.waitForLine(/^before$/, 20_000);
  const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
  for (const l of lines) await fs.appendFile(log, `${l}\n`);
  await f.waitForLine(/^line 49$/, 20_000);
  process.kill(f.pid, 'SIGINT');
  expect(await f.exited).toBe(0);
  expect(f.output()).toBe(['before', ...lines, ''].join('\n'));
});
