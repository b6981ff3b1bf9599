/**
 * What a person reads, through the CLI as a user runs it: `history` as a timeline, `logs` with
 * Claude and Codex events rendered (and followed), `watch --once` as one line; `--json` and
 * `--raw` still give the files' data unchanged. (`followup`'s words are in followup.test.ts.)
 */
import { readFileSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRig, spawnBaton, type Rig } from '../helpers/rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig();
});
afterEach(async () => {
  await rig.cleanup();
});

const settled = (slug: string, runs: number) => () => {
  const s = rig.status(slug);
  return s && s.pid === null && s.state === 'idle' && Number(s.runs) >= runs ? s : null;
};
const logFile = (slug: string): string => path.join(rig.root, `tasks/logs/dispatch-${slug}.log`);
const historyFile = (slug: string): string =>
  path.join(rig.root, `tasks/logs/dispatch-${slug}.history.jsonl`);

describe('history', () => {
  it('prints a timeline of workers, runs, shortened prompts and follow-ups; --full and --json', async () => {
    await rig.writeTask('alpha', 'Write the greeting.\nMake it short.\nAnd friendly.');
    expect((await rig.baton(['dispatch', 'alpha'])).code).toBe(0);
    await rig.waitFor('first run', settled('alpha', 1));
    expect((await rig.baton(['followup', 'alpha', 'Now a farewell.'])).code).toBe(0);
    await rig.waitFor('second run', settled('alpha', 2));

    const h = await rig.baton(['history', 'alpha']);
    expect(h.code, h.stderr).toBe(0);
    const lines = h.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^alpha: 2 workers, 2 runs, 1 follow-up; from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(local time\)$/,
    );
    const body = lines.slice(1).map((l) => l.replace(/^\d\d:\d\d:\d\d {2}/, '')); // times vary
    expect(body).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^▶ worker 1 \(run \S+, pid \d+\): the task prompt, new session, agent claude$/,
        ),
        '  run 1 prompt, the task, new session: "Write the greeting." (+2 lines)',
        expect.stringMatching(/^ {2}run 1 succeeded after \d+\.\d s \(exit 0\)$/),
        expect.stringMatching(/^■ worker 1 done after .+: lock released$/),
        'follow-up #1 (queued) accepted: "Now a farewell."',
        expect.stringMatching(/^ {2}run 2 prompt, follow-up #1, resuming [0-9a-f-]{36}: "Now a farewell."$/),
      ]),
    );
    expect(h.stdout).not.toContain('{');

    const full = await rig.baton(['history', 'alpha', '--full']);
    expect(full.stdout).toContain(
      '│ Write the greeting.\n            │ Make it short.\n            │ And friendly.\n',
    );

    const json = await rig.baton(['history', 'alpha', '--json']);
    expect(json.stdout).toBe(readFileSync(historyFile('alpha'), 'utf8')); // the file's lines, unchanged
  });
});

describe('logs', () => {
  it('renders a Claude run as text, keeps the run header, and --raw prints the file as it is', async () => {
    await rig.writeTask('cl', 'Say hi.');
    await rig.baton(['dispatch', 'cl']);
    await rig.waitFor('run', settled('cl', 1));
    const r = await rig.baton(['logs', 'cl']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^=== baton run \S+ #1 · claude · new · .* ===$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\[session [0-9a-f-]{36}, model fake-claude\]$/));
    expect(lines).toContainEqual(expect.stringMatching(/^✓ done \(1 turn, \d+\.\d s\)$/));
    expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
    expect((await rig.baton(['logs', 'cl', '--raw'])).stdout).toBe(readFileSync(logFile('cl'), 'utf8'));
  });

  it('renders a failed Codex turn, and prints a command agent plain output as it is', async () => {
    await rig.writeTask('cx', '@fake fail=model not supported', { agent: 'codex' });
    await rig.writeTask('cm', 'Plain.', { agent: 'cmd' });
    await rig.baton(['dispatch', 'cx']);
    await rig.baton(['dispatch', 'cm']);
    await rig.waitFor('both ran', () => {
      const x = rig.status('cx');
      return x?.state === 'failed' && x.pid === null && settled('cm', 1)();
    });
    const cx = (await rig.baton(['logs', 'cx'])).stdout;
    expect(cx).toContain('\n✗ turn failed: model not supported\n');
    expect(cx).not.toContain('"turn.failed"');
    expect((await rig.baton(['logs', 'cm'])).stdout).toBe(readFileSync(logFile('cm'), 'utf8'));
  });

  it('-f renders a run as it is appended', async () => {
    await rig.writeTask('live', 'x');
    await fs.writeFile(logFile('live'), 'worker says hello\n');
    const f = spawnBaton(rig, ['logs', 'live', '-f']);
    await f.waitForLine(/^worker says hello$/, 20_000);
    const header = '=== baton run mx1-abc #1 · claude · new · 2026-12-04T00:00:00.000Z ===';
    const text = JSON.stringify({
      type: 'assistant',
      message: { content: [{ type: 'text', text: 'On it.' }] },
    });
    const tool = JSON.stringify({
      type: 'assistant',
      message: { content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'ls' } }] },
    });
    await fs.appendFile(logFile('live'), `\n${header}\n${text}\n`);
    await f.waitForLine(/^On it\.$/, 20_000);
    // Half a line, then the rest: printed once whole.
    await fs.appendFile(logFile('live'), tool.slice(0, 30));
    await fs.appendFile(logFile('live'), `${tool.slice(30)}\nnot json\n`);
    await f.waitForLine(/^not json$/, 20_000);
    process.kill(f.pid, 'SIGINT');
    expect(await f.exited).toBe(0);
    expect(f.output()).toBe(
      ['worker says hello', '', header, 'On it.', '→ Bash: ls', 'not json', ''].join('\n'),
    );
  });
});

describe('watch --once', () => {
  it('prints a one-line summary; --json prints the report', async () => {
    await rig.writeTask('alpha', '@fake sleep=3000');
    await rig.writeTask('beta', 'x', { status: 'draft' });
    const r = await rig.baton(['watch', '--once']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      'heartbeat: 2 tasks, 1 running, 1 dispatched (alpha), 0 retried; next cycle in a running watcher every 30 s\n',
    );
    const j = await rig.baton(['watch', '--once', '--json']);
    const report = JSON.parse(j.stdout) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(['running', 'decisions', 'ingested', 'durationMs', 'radar']);
    expect(report.running).toBe(1);
  });
});
