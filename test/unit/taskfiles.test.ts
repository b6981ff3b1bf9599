import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/domain/errors.js';
import { loadTaskFile, MAX_INPUT_BYTES, readInputFile } from '../../src/store/taskfiles.js';
import type { InputProblem } from '../../src/store/taskfiles.js';

let root: string;
let tasks: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'baton-taskfiles-'));
  tasks = join(root, 'tasks');
  mkdirSync(tasks);
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function put(name: string, content: string | Buffer): string {
  const p = join(tasks, name);
  writeFileSync(p, content);
  return p;
}

async function readProblem(p: string): Promise<InputProblem> {
  const r = await readInputFile(p, 'tasks/x.md', { emptyRetryMs: 1 });
  if (r.ok) throw new Error(`expected a problem, read ${JSON.stringify(r.value)}`);
  expect(r.error).toHaveLength(1);
  return r.error[0]!;
}

describe('readInputFile', () => {
  it('reads UTF-8 text, stripping a BOM and keeping everything else', async () => {
    const p = put(
      'x.md',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('---\r\nétat: ok\r\n---\r\nDo it ✓\r\n')]),
    );
    expect(await readInputFile(p, 'tasks/x.md')).toEqual({
      ok: true,
      value: '---\r\nétat: ok\r\n---\r\nDo it ✓\r\n',
    });
  });

  it.each([
    [
      'a symlink to a file',
      () => (put('real.md', 'secret'), symlinkSync(join(tasks, 'real.md'), join(tasks, 'x.md'))),
      'symlink',
    ],
    ['a symlink to a directory', () => symlinkSync(root, join(tasks, 'x.md')), 'symlink'],
    ['a dangling symlink', () => symlinkSync(join(root, 'nowhere'), join(tasks, 'x.md')), 'symlink'],
    ['a directory', () => mkdirSync(join(tasks, 'x.md')), 'not-regular'],
    ['a FIFO', () => execFileSync('mkfifo', [join(tasks, 'x.md')]), 'not-regular'],
    ['a missing file', () => undefined, 'vanished'],
  ])('refuses %s without reading or blocking', async (_name, make, reason) => {
    make();
    const problem = await readProblem(join(tasks, 'x.md'));
    expect(problem.reason).toBe(reason);
    expect(formatProblem(problem)).toMatch(/^tasks\/x\.md: /);
    expect(problem.message).not.toContain('secret');
  });

  it.each([
    ['a lone continuation byte', Buffer.from([0x61, 0x0a, 0x62, 0x80, 0x0a]), 2],
    ['a truncated sequence', Buffer.from([0x0a, 0x0a, 0x0a, 0xe2, 0x82]), 4],
    ['an overlong encoding', Buffer.from([0xc0, 0xaf]), 1],
    ['Latin-1 text', Buffer.from('---\nx: 1\n---\ncaf\xe9\n', 'latin1'), 4],
  ])('refuses invalid UTF-8: %s, naming the line', async (_name, bytes, line) => {
    const problem = await readProblem(put('x.md', bytes));
    expect(problem).toMatchObject({ reason: 'not-utf8', line });
    expect(problem.message).toMatch(/not valid UTF-8/);
  });

  it('refuses a 2 MiB file', async () => {
    const problem = await readProblem(put('x.md', Buffer.alloc(2 * 1024 * 1024, 'a')));
    expect(problem.reason).toBe('too-large');
    expect(problem.message).toMatch(/2097152 bytes, larger than the limit of 1048576 bytes/);
  });

  it('accepts exactly 1 MiB and refuses one byte more', async () => {
    const ok = await readInputFile(put('a.md', Buffer.alloc(MAX_INPUT_BYTES, 'a')), 'tasks/a.md');
    expect(ok.ok && ok.value.length).toBe(MAX_INPUT_BYTES);
    const problem = await readProblem(put('b.md', Buffer.alloc(MAX_INPUT_BYTES + 1, 'a')));
    expect(problem.reason).toBe('too-large');
  });

  it('reads an empty file again after a moment, seeing what was written meanwhile', async () => {
    const p = put('x.md', '');
    const waits: number[] = [];
    const r = await readInputFile(p, 'tasks/x.md', {
      emptyRetryMs: 25,
      wait: async (ms) => {
        waits.push(ms);
        writeFileSync(p, 'Now it has content.');
      },
    });
    expect(waits).toEqual([25]);
    expect(r).toEqual({ ok: true, value: 'Now it has content.' });
  });

  it('returns an empty file that stays empty as empty text, for the parser to judge', async () => {
    expect(await readInputFile(put('x.md', ''), 'tasks/x.md', { emptyRetryMs: 1 })).toEqual({
      ok: true,
      value: '',
    });
  });

  it('reports a file that vanishes while it is waited on', async () => {
    const p = put('x.md', '');
    const r = await readInputFile(p, 'tasks/x.md', { wait: async () => unlinkSync(p) });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error[0]).toMatchObject({
        reason: 'vanished',
        message: 'disappeared before it could be read',
      });
  });

  it('refuses an empty file swapped for a symlink while it is waited on', async () => {
    const p = put('x.md', '');
    put('real.md', 'secret');
    const r = await readInputFile(p, 'tasks/x.md', {
      wait: async () => {
        unlinkSync(p);
        symlinkSync(join(tasks, 'real.md'), p);
      },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error[0]?.reason).toBe('symlink');
  });
});

describe('loadTaskFile', () => {
  it('loads a valid task with a relative file name', async () => {
    put('alpha.md', '\uFEFF---\r\npriority: 2\r\n---\r\nDo it.\r\n');
    expect(await loadTaskFile(root, 'alpha.md')).toMatchObject({
      ok: true,
      value: { slug: 'alpha', file: 'tasks/alpha.md', priority: 2, status: 'ready', body: 'Do it.' },
    });
  });

  it.each([
    [
      'duplicate keys',
      '---\nstatus: ready\nstatus: done\n---\nx',
      /^tasks\/alpha\.md:3: invalid YAML: .*unique/,
    ],
    [
      'an alias bomb',
      `---\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${Array(10).fill('*a').join(',')}]\nc: &c [${Array(10).fill('*b').join(',')}]\nd: [${Array(10).fill('*c').join(',')}]\n---\nx`,
      /^tasks\/alpha\.md:2: invalid YAML: too many aliases/,
    ],
    [
      'a bad priority',
      '---\ntitle: t\npriority: high\n---\nx',
      /^tasks\/alpha\.md:3: priority must be an integer .*found "high"$/,
    ],
    ['an empty body', '---\nstatus: ready\n---\n', /^tasks\/alpha\.md: the task body .* is empty/],
  ])('reports %s', async (_name, text, expected) => {
    put('alpha.md', text);
    const r = await loadTaskFile(root, 'alpha.md', { emptyRetryMs: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatProblem(r.error[0]!)).toMatch(expected);
  });

  it('reports a symlinked task file without reading it', async () => {
    put('real.md', 'secret prompt');
    symlinkSync(join(tasks, 'real.md'), join(tasks, 'alpha.md'));
    const r = await loadTaskFile(root, 'alpha.md');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatProblem(r.error[0]!)).toMatch(/^tasks\/alpha\.md: is a symbolic link/);
  });

  it.each([
    [
      'Alpha.md',
      /^tasks\/Alpha\.md: "Alpha\.md" is not a valid task file name: the slug has upper-case letters/,
    ],
    ['a\nb.md', /^tasks\/a\\nb\.md: "a\\nb\.md" is not a valid task file name/],
    ['alpha.followup.md', /^tasks\/alpha\.followup\.md: is not a task file/],
  ])('refuses the name %j without touching the disk', async (name, expected) => {
    const r = await loadTaskFile(root, name);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(formatProblem(r.error[0]!)).toMatch(expected);
      expect(formatProblem(r.error[0]!)).not.toContain('\n');
    }
  });
});
