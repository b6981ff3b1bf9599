import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/domain/errors.js';
import { splitFrontMatter } from '../../src/domain/frontmatter.js';
import { parseTask } from '../../src/domain/task.js';

const FILE = 'tasks/alpha.md';

function problems(text: string): string[] {
  const r = parseTask(FILE, 'alpha', text);
  if (r.ok) throw new Error(`expected problems, got ${JSON.stringify(r.value)}`);
  return r.error.map(formatProblem);
}

describe('splitFrontMatter', () => {
  it.each([
    ['no front matter', 'Do it.\n', { yaml: null, yamlStartLine: 1, body: 'Do it.' }],
    ['front matter', '---\na: 1\n---\nDo it.\n', { yaml: 'a: 1', yamlStartLine: 2, body: 'Do it.' }],
    [
      'BOM and CRLF',
      '\uFEFF---\r\na: 1\r\n---\r\n\r\nDo\r\nit.\r\n',
      { yaml: 'a: 1', yamlStartLine: 2, body: 'Do\nit.' },
    ],
    ['empty front matter', '---\n---\nbody', { yaml: '', yamlStartLine: 2, body: 'body' }],
    [
      'trailing spaces on fences',
      '--- \na: 1\n---\t\nbody',
      { yaml: 'a: 1', yamlStartLine: 2, body: 'body' },
    ],
    [
      'blank lines trimmed, indentation kept',
      '---\n---\n\n  \n    code\n\n  \n',
      { yaml: '', yamlStartLine: 2, body: '    code' },
    ],
    [
      'later --- belongs to the body',
      'text\n---\nmore',
      { yaml: null, yamlStartLine: 1, body: 'text\n---\nmore' },
    ],
    [
      'second fence pair in body',
      '---\na: 1\n---\nx\n---\ny',
      { yaml: 'a: 1', yamlStartLine: 2, body: 'x\n---\ny' },
    ],
  ])('%s', (_name, text, expected) => {
    expect(splitFrontMatter(FILE, text)).toEqual({ ok: true, value: expected });
  });

  it('reports an unclosed front matter', () => {
    const r = splitFrontMatter(FILE, '---\nstatus: ready\nDo it.\n');
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(formatProblem(r.error[0]!)).toMatch(/^tasks\/alpha\.md:1: front matter .* never closed/);
  });
});

describe('parseTask', () => {
  it('applies defaults when there is no front matter', () => {
    expect(parseTask(FILE, 'alpha', 'Fix the bug.\n')).toEqual({
      ok: true,
      value: {
        slug: 'alpha',
        file: FILE,
        status: 'ready',
        agent: undefined,
        base: undefined,
        after: [],
        afterMerge: false,
        priority: 0,
        title: undefined,
        body: 'Fix the bug.',
        worktreeSetup: {},
        extra: {},
      },
    });
  });

  it('reads every field and keeps unknown keys', () => {
    const text = [
      '---',
      'status: draft',
      'agent: codex',
      'base: release/1.x',
      'priority: -3',
      'title: Fix it',
      'owner: ana',
      'labels: [a, b]',
      '---',
      '',
      'Fix the bug.',
    ].join('\n');
    const r = parseTask(FILE, 'alpha', text);
    expect(r).toMatchObject({
      ok: true,
      value: {
        status: 'draft',
        agent: 'codex',
        base: 'release/1.x',
        priority: -3,
        title: 'Fix it',
        body: 'Fix the bug.',
        extra: { owner: 'ana', labels: ['a', 'b'] },
      },
    });
  });

  it.each(['draft', 'ready', 'done', 'cancelled'])('accepts status %s', (status) => {
    expect(parseTask(FILE, 'alpha', `---\nstatus: ${status}\n---\nx`)).toMatchObject({
      ok: true,
      value: { status },
    });
  });

  it('treats a key with no value as not set', () => {
    expect(parseTask(FILE, 'alpha', '---\nagent:\nstatus:\ntitle:\n---\nx')).toMatchObject({
      ok: true,
      value: { agent: undefined, status: 'ready', title: undefined },
    });
  });

  it('keeps a __proto__ key as data', () => {
    const r = parseTask(FILE, 'alpha', '---\n__proto__: { polluted: true }\n---\nx');
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(Object.getPrototypeOf(r.value.extra)).toBe(Object.prototype);
      expect(Object.keys(r.value.extra)).toEqual(['__proto__']);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each([
    [
      'priority',
      '---\ntitle: t\npriority: high\n---\nx',
      ['tasks/alpha.md:3: priority must be an integer (higher runs first), found "high"'],
    ],
    [
      'fractional priority',
      '---\npriority: 1.5\n---\nx',
      ['tasks/alpha.md:2: priority must be an integer (higher runs first), found 1.5'],
    ],
    [
      'quoted priority',
      '---\npriority: "5"\n---\nx',
      ['tasks/alpha.md:2: priority must be an integer (higher runs first), found "5"'],
    ],
    [
      'status',
      '---\nstatus: Ready\n---\nx',
      ['tasks/alpha.md:2: status must be one of draft, ready, done, cancelled, found "Ready"'],
    ],
    [
      'status list',
      '---\nstatus: [ready]\n---\nx',
      ['tasks/alpha.md:2: status must be one of draft, ready, done, cancelled, found a list'],
    ],
    [
      'agent',
      '---\nagent: ""\n---\nx',
      ['tasks/alpha.md:2: agent must be the name of an agent in baton.yaml, found ""'],
    ],
    [
      'base number',
      '---\nbase: 1.0\n---\nx',
      ['tasks/alpha.md:2: base must be a branch name (quote it if it looks like a number), found 1'],
    ],
    [
      'title',
      '---\ntitle: { a: 1 }\n---\nx',
      ['tasks/alpha.md:2: title must be text (quote it if it looks like a number), found a mapping'],
    ],
    [
      'empty body',
      '---\nstatus: ready\n---\n\n  \n',
      ['tasks/alpha.md: the task body (the prompt after the front matter) is empty; write the task there'],
    ],
    ['empty file', '', [expect.stringMatching(/body .* is empty/)]],
    [
      'scalar front matter',
      '---\njust text\n---\nx',
      [
        'tasks/alpha.md:2: front matter must be a YAML mapping of keys to values (like "status: ready"), found "just text"',
      ],
    ],
    [
      'list front matter',
      '---\n- a\n---\nx',
      [expect.stringMatching(/^tasks\/alpha\.md:2: front matter must be a YAML mapping.*found a list$/)],
    ],
    [
      'duplicate keys',
      '---\nstatus: ready\nstatus: done\n---\nx',
      [expect.stringMatching(/^tasks\/alpha\.md:3: invalid YAML: .*unique/)],
    ],
    [
      'second document',
      '---\na: 1\n...\nb: 2\n---\nx',
      [expect.stringMatching(/^tasks\/alpha\.md:4: invalid YAML: expected one document/)],
    ],
    [
      'complex key',
      '---\na: 1\n? [x, y]\n: 2\n---\nx',
      [expect.stringMatching(/^tasks\/alpha\.md:3: invalid YAML: keys must be plain names/)],
    ],
    ['unclosed', '---\ntitle: a\n', [expect.stringMatching(/^tasks\/alpha\.md:1: front matter opened/)]],
  ])('reports a bad %s', (_name, text, expected) => {
    expect(problems(text)).toEqual(expected);
  });

  it('reports YAML syntax errors with file lines', () => {
    const out = problems('---\nstatus: ready\ntitle: a\n  b: c\n---\nx');
    expect(out.length).toBeGreaterThan(0);
    // Line 4 is the one indented under `title: a`, which already has a value.
    expect(out[0]).toMatch(/^tasks\/alpha\.md:4: invalid YAML: \S/);
    for (const line of out) expect(line).toMatch(/^tasks\/alpha\.md:\d+: invalid YAML: [^\n]+$/);
  });

  it('reports every problem, each on its own line, mapped through BOM and CRLF', () => {
    const text = '\uFEFF---\r\nstatus: maybe\r\n\r\npriority: high\r\nagent: 3\r\n---\r\n';
    expect(problems(text)).toEqual([
      'tasks/alpha.md:2: status must be one of draft, ready, done, cancelled, found "maybe"',
      'tasks/alpha.md:4: priority must be an integer (higher runs first), found "high"',
      'tasks/alpha.md:5: agent must be the name of an agent in baton.yaml, found 3',
      'tasks/alpha.md: the task body (the prompt after the front matter) is empty; write the task there',
    ]);
  });

  it('refuses an alias bomb', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const out = problems(`---\n${levels.join('\n')}\n---\nx`);
    expect(out).toEqual([
      'tasks/alpha.md:2: invalid YAML: too many aliases (more than 100 expansions); write the values out instead',
    ]);
  });

  it('never throws, whatever the input', () => {
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc
        .array(
          fc.constantFrom(
            '---',
            'status: ready',
            'a: &a [1]',
            'b: *a',
            '- x',
            '  :',
            'priority: 2',
            '',
            '\r',
            '"',
            '[',
            '{',
            '? x',
          ),
          { maxLength: 12 },
        )
        .map((l) => l.join('\n')),
    );
    fc.assert(
      fc.property(text, (t) => {
        const r = parseTask(FILE, 'alpha', t);
        if (r.ok) expect(r.value.body).not.toBe('');
        else expect(r.error.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['deep flow nesting', `x: ${'['.repeat(10_000)}`, /nested more than 64 levels/],
    ['deep closed flow nesting', `x: ${'['.repeat(5_000)}${']'.repeat(5_000)}`, /nested more than 64 levels/],
    ['deep compact sequences', `${'- '.repeat(5_000)}x`, /nested more than 64 levels/],
    [
      'deep block mappings',
      Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k:`).join('\n'),
      /nested more than 64 levels/,
    ],
    ['nested complex keys', `${'? '.repeat(40)}x`, /keys must be plain names/],
    [
      'oversized front matter',
      `big: "${'a'.repeat(20_000)}"`,
      /the front matter \(put long text in the body\) is 20007 characters long; at most 16384 are allowed/,
    ],
  ])('refuses %s without throwing', (_name, yaml, message) => {
    // Unguarded, these overflow the stack or take minutes: the test timeout catches a regression.
    const out = problems(`---\n${yaml}\n---\nbody`);
    expect(out[0]).toMatch(/^tasks\/alpha\.md:\d+: /);
    expect(out[0]).toMatch(message);
  });

  it('parses the largest front matter allowed, even with many keys', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `k${i}: 1`)
      .join('\n')
      .slice(0, 16_000);
    const r = parseTask(FILE, 'alpha', `---\n${keys.slice(0, keys.lastIndexOf('\n'))}\n---\nbody`);
    expect(r.ok && Object.keys(r.value.extra).length).toBeGreaterThan(1500);
  });
});
