/**
 * baton ui's log pieces (src/ui/reads.ts `logChunk`) and its new-task file (src/ui/new-task.ts
 * `createTask`), on files in a temporary folder: a piece renders as the whole log would, a line
 * still being written waits, a tail starts on a whole line under the right run header, and a
 * task is never written over another.
 */
import { mkdtempSync, promises as fs, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Repo } from '../../src/ops/repo.js';
import { repoPaths } from '../../src/store/paths.js';
import { logChunk } from '../../src/ui/reads.js';
import { createTask } from '../../src/ui/new-task.js';
import type { BatonError } from '../../src/domain/errors.js';

let root: string;
let repo: Repo;
let log: string;
beforeEach(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'baton-ui-reads-'));
  await fs.mkdir(path.join(root, 'tasks/logs'), { recursive: true });
  repo = {
    info: { root },
    paths: repoPaths(root),
    config: { agents: { claude: { preset: 'claude' }, cmd: { preset: 'command' } } },
  } as unknown as Repo;
  log = path.join(root, 'tasks/logs/dispatch-alpha.log');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const header = (agent: string, n = 1): string =>
  `=== baton run r1 #${n} · ${agent} · new · 2026-12-07T00:00:00Z ===`;
const said = (text: string): string =>
  JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text }] } });

describe('logChunk', () => {
  it('is empty with nothing written, and starts over once the log appears', async () => {
    expect(await logChunk(repo, 'alpha', -1, null)).toEqual({
      offset: 0,
      header: null,
      lines: [],
      reset: true,
    });
    expect(await logChunk(repo, 'alpha', 0, null)).toMatchObject({ lines: [], reset: false });
  });

  it('renders a piece as the whole log renders it, and waits for a line still being written', async () => {
    const next = said('Second.');
    await fs.writeFile(log, `worker says hi\n${header('claude')}\n${said('First.')}\n${next.slice(0, 20)}`);
    const first = await logChunk(repo, 'alpha', -1, null);
    expect(first.lines).toEqual(['worker says hi', header('claude'), 'First.']);
    expect(first.header).toBe(header('claude'));
    await fs.appendFile(log, `${next.slice(20)}\n`);
    const second = await logChunk(repo, 'alpha', first.offset, first.header);
    expect(second).toMatchObject({ lines: ['Second.'], reset: false });
    expect(second.offset).toBe(readFileSync(log).length);
    // The same piece without the header in force is plain text: the header is what picks the view.
    expect((await logChunk(repo, 'alpha', first.offset, null)).lines[0]).toMatch(/^\{"type":"assistant"/);
  });

  it('starts a first look at a long log on a whole line, under the run header in force there', async () => {
    const filler = `${said('x'.repeat(200))}\n`.repeat(2000); // ~500 KiB: past the 256 KiB tail
    await fs.writeFile(log, `${header('cmd')}\nplain\n${header('claude', 2)}\n${filler}${said('Last.')}\n`);
    const tail = await logChunk(repo, 'alpha', -1, null);
    expect(tail.reset).toBe(true);
    expect(tail.header).toBe(header('claude', 2));
    expect(tail.lines.every((l) => !l.startsWith('{'))).toBe(true);
    expect(tail.lines.at(-1)).toBe('Last.');
    expect(tail.offset).toBe(readFileSync(log).length);
  });

  it('starts over when the log was truncated or replaced by a shorter one', async () => {
    await fs.writeFile(log, 'one\ntwo\n');
    const a = await logChunk(repo, 'alpha', -1, null);
    await fs.writeFile(log, 'new\n');
    expect(await logChunk(repo, 'alpha', a.offset, a.header)).toEqual({
      offset: 4,
      header: null,
      lines: ['new'],
      reset: true,
    });
  });

  it('keeps multi-byte characters whole across pieces', async () => {
    await fs.writeFile(log, 'é€');
    const a = await logChunk(repo, 'alpha', -1, null);
    expect(a.lines).toEqual([]);
    await fs.appendFile(log, '😀\n');
    expect((await logChunk(repo, 'alpha', a.offset, null)).lines).toEqual(['é€😀']);
  });
});

describe('createTask', () => {
  const make = (slug: string, prompt = 'Do it.') => createTask(repo, { slug, prompt, title: 'T' });

  it('writes the task whole and leaves no temp file', async () => {
    expect(await make('alpha')).toBe('created tasks/alpha.md');
    expect(await fs.readFile(path.join(root, 'tasks/alpha.md'), 'utf8')).toBe(
      '---\ntitle: "T"\n---\nDo it.\n',
    );
    expect((await fs.readdir(path.join(root, 'tasks'))).sort()).toEqual(['alpha.md', 'logs']);
  });

  it('never writes over a task: of ten at once, one is created', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => make('beta', `Prompt ${i}.`)),
    );
    const made = results.filter((r) => r.status === 'fulfilled');
    expect(made).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') expect((r.reason as BatonError).message).toMatch(/already exists/);
    expect((await fs.readdir(path.join(root, 'tasks'))).sort()).toEqual(['beta.md', 'logs']);
  });

  it.each([
    ['../evil', 'BAD_SLUG'],
    ['a/b', 'BAD_SLUG'],
    ['', 'BAD_SLUG'],
  ])('refuses slug %j (%s) and writes nothing', async (slug, code) => {
    await expect(make(slug)).rejects.toMatchObject({ code });
    expect(await fs.readdir(path.join(root, 'tasks'))).toEqual(['logs']);
  });

  it('refuses an empty prompt and a front matter that would be invalid', async () => {
    await expect(make('gamma', '  \n')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(createTask(repo, { slug: 'gamma', prompt: 'x', status: 'finished' })).rejects.toMatchObject({
      code: 'BAD_TASK',
    });
    await expect(createTask(repo, { slug: 'gamma', prompt: 'x', priority: 'high' })).rejects.toMatchObject({
      code: 'BAD_TASK',
    });
    expect(await fs.readdir(path.join(root, 'tasks'))).toEqual(['logs']);
  });
});
