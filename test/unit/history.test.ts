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
  it('reads only events baton knows with the fields readers rely on, counting the rest as skipped', async () => {
    const f = path.join(dir, 'h.jsonl');
    const lines = [
      { ts: 't', type: 'agent_started', runId: 'r1', n: 1, pid: 42 },
      { ts: 't', type: 'agent_started', runId: 'r1', n: 1 }, // no pid: cannot be ended later
      { ts: 't', type: 'prompt_sent', runId: 'r1', n: 2, prompt: 'p', followupIds: [3] },
      { ts: 't', type: 'worker_exited', runId: 'r1' }, // a type no baton writes
      { ts: 't', type: 'state_changed', runId: 7, to: 'idle' }, // a run id that is not one
      ['not', 'an', 'object'],
      { ts: 't', type: 'state_changed', runId: null, to: 'idle' },
    ];
    writeFileSync(f, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const { events, skipped } = await readHistory(f);
    expect(events.map((e) => `${e.type}:${e.runId}`)).toEqual(['agent_started:r1', 'state_changed:null']);
    expect(skipped).toBe(5);
  });

  it('appends whole lines that read back in order', async () => {
    const f = path.join(dir, 'h.jsonl');
    await appendHistory(f, 'prompt_sent', 'r1', { n: 1, prompt: 'a\nmultiline "prompt"' });
    await appendHistory(f, 'run_exited', 'r1', { n: 1, ok: true });
    const { events, skipped } = await readHistory(f);
    expect(skipped).toBe(0);
    expect(events.map((r) => r.type)).toEqual(['prompt_sent', 'run_exited']);
    const first = events[0];
    expect(first?.type === 'prompt_sent' && first.prompt).toBe('a\nmultiline "prompt"');
    expect(readFileSync(f, 'utf8').split('\n')).toHaveLength(3);
  });

  it('skips a torn last line on read and terminates it before the next append, so nothing is glued', async () => {
    const f = path.join(dir, 'h.jsonl');
    await appendHistory(f, 'task_dispatched', 'r1', { epoch: 1, pid: 2, start: 'new' });
    writeFileSync(f, readFileSync(f, 'utf8') + '{"ts":"2026-11-27T00:00:00Z","type":"prompt_se', {
      flag: 'w',
    });
    const torn = await readHistory(f);
    expect(torn.events).toHaveLength(1);
    expect(torn.skipped).toBe(1);
    await appendHistory(f, 'run_started', 'r2', { n: 1 });
    const after = await readHistory(f);
    expect(after.events.map((r) => r.type)).toEqual(['task_dispatched', 'run_started']);
    expect(after.skipped).toBe(1);
    expect(readFileSync(f, 'utf8').endsWith('"runId":"r2","n":1}\n')).toBe(true);
  });

  it('reads a missing file as empty and tolerates blank lines', async () => {
    expect(await readHistory(path.join(dir, 'none.jsonl'))).toEqual({ events: [], skipped: 0 });
    expect(parseJsonl('\n{"a":1}\n\n{"a":2}\n').records).toEqual([{ a: 1 }, { a: 2 }]);
  });
});
