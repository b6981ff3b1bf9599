import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendHistory, parseJsonl, readHistory } from '../../src/store/history.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-history-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('history', () => {
  it('appends whole lines that read back in order', async () => {
    const f = path.join(dir, 'h.jsonl');
    await appendHistory(f, 'prompt_sent', 'r1', { prompt: 'a\nmultiline "prompt"' });
    await appendHistory(f, 'run_exited', 'r1', { ok: true });
    const { records, skipped } = await readHistory(f);
    expect(skipped).toBe(0);
    expect(records.map((r) => r.type)).toEqual(['prompt_sent', 'run_exited']);
    expect(records[0]!.prompt).toBe('a\nmultiline "prompt"');
    expect(readFileSync(f, 'utf8').split('\n')).toHaveLength(3);
  });

  it('skips a torn last line on read and terminates it before the next append, so nothing is glued', async () => {
    const f = path.join(dir, 'h.jsonl');
    await appendHistory(f, 'task_dispatched', 'r1');
    writeFileSync(f, readFileSync(f, 'utf8') + '{"ts":"2026-11-27T00:00:00Z","type":"prompt_se', {
      flag: 'w',
    });
    const torn = await readHistory(f);
    expect(torn.records).toHaveLength(1);
    expect(torn.skipped).toBe(1);
    await appendHistory(f, 'run_started', 'r2');
    const after = await readHistory(f);
    expect(after.records.map((r) => r.type)).toEqual(['task_dispatched', 'run_started']);
    expect(after.skipped).toBe(1);
    expect(readFileSync(f, 'utf8').endsWith('"runId":"r2"}\n')).toBe(true);
  });

  it('reads a missing file as empty and tolerates blank lines', async () => {
    expect(await readHistory(path.join(dir, 'none.jsonl'))).toEqual({ records: [], skipped: 0 });
    expect(parseJsonl('\n{"a":1}\n\n{"a":2}\n').records).toEqual([{ a: 1 }, { a: 2 }]);
  });
});
