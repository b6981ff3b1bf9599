/** Status json always parses and history never glues lines, whenever the writer is killed -9. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('survives kill -9 at random moments: the status file parses, every history line but a torn last one parses', async () => {
  const statusFile = path.join(dir, 'dispatch-alpha.status.json');
  const historyFile = path.join(dir, 'dispatch-alpha.history.jsonl');
  const writer = path.resolve('test/fixtures/status-writer.mjs');
  const trials = process.env.BATON_HEAVY ? 60 : 12;
  for (let t = 0; t < trials; t++) {
    const child = spawn(process.execPath, [writer, statusFile, historyFile], { stdio: 'ignore' });
    // Kill at a different moment each trial, once the writer has written at least once.
    const deadline = Date.now() + 10_000;
    while (!existsSync(statusFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20 + ((t * 53) % 200)));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const status = JSON.parse(readFileSync(statusFile, 'utf8')) as { slug: string };
    expect(status.slug).toBe('alpha');
    const lines = readFileSync(historyFile, 'utf8').split('\n');
    const last = lines.pop();
    // A torn fragment may stand on a line of its own (readers skip it), but no record is ever
    // glued onto one: every line holds at most one record.
    for (const line of lines) expect(line.includes('}{"ts"')).toBe(false);
    const parsed = lines
      .filter((l) => l !== '')
      .filter((l) => {
        try {
          JSON.parse(l);
          return true;
        } catch {
          return false;
        }
      });
    expect(parsed.length).toBeGreaterThan(0);
    // Whatever the kill left as the last line is either complete or an unterminated fragment.
    if (last !== '' && last !== undefined) expect(last.startsWith('{')).toBe(true);
  }
});
