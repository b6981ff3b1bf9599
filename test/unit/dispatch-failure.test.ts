import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  clearFailure,
  failureFile,
  isCurrent,
  readFailureSync,
  recordFailure,
} from '../../src/store/dispatch-failure.js';
import { repoPaths } from '../../src/store/paths.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'baton-blocked-'));
  mkdirSync(path.join(root, 'tasks/logs'), { recursive: true });
  writeFileSync(path.join(root, 'tasks/alpha.md'), '---\nagent: claud\n---\nDo it.\n');
  writeFileSync(path.join(root, 'baton.yaml'), 'maxConcurrent: 2\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('dispatch failures', () => {
  it('stay current until the task file or baton.yaml changes, and go when cleared', async () => {
    const paths = repoPaths(root);
    const failure = { code: 'BAD_TASK', message: 'tasks/alpha.md names agent "claud".', hint: 'Use claude.' };
    await recordFailure(paths, 'alpha', failure, new Date('2026-12-04T10:00:00.000Z'));
    const read = readFailureSync(failureFile(paths, 'alpha'));
    expect(read).toMatchObject({ ...failure, at: '2026-12-04T10:00:00.000Z' });
    expect(isCurrent(read!, paths, 'alpha')).toBe(true);

    writeFileSync(path.join(root, 'tasks/alpha.md'), '---\nagent: claude\n---\nDo it.\n');
    expect(isCurrent(read!, paths, 'alpha')).toBe(false);

    await recordFailure(paths, 'alpha', failure);
    const again = readFailureSync(failureFile(paths, 'alpha'))!;
    const later = new Date(Date.now() + 5000);
    utimesSync(path.join(root, 'baton.yaml'), later, later);
    expect(isCurrent(again, paths, 'alpha')).toBe(false);

    await clearFailure(paths, 'alpha');
    expect(readFailureSync(failureFile(paths, 'alpha'))).toBeNull();
  });

  it('an unreadable record is no record', () => {
    const paths = repoPaths(root);
    writeFileSync(failureFile(paths, 'alpha'), '{"message": 1');
    expect(readFailureSync(failureFile(paths, 'alpha'))).toBeNull();
  });
});
