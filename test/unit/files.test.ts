import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyTaskEntry } from '../../src/domain/files.js';
import { SLUG_PATTERN } from '../../src/domain/slug.js';

describe('classifyTaskEntry', () => {
  it.each([
    ['alpha.md', { kind: 'task', slug: 'alpha' }],
    ['a.md', { kind: 'task', slug: 'a' }],
    ['0-fix-bug.md', { kind: 'task', slug: '0-fix-bug' }],
    [`${'a'.repeat(63)}.md`, { kind: 'task', slug: 'a'.repeat(63) }],
    ['followup.md', { kind: 'task', slug: 'followup' }],
    ['alpha.followup.md', { kind: 'followup', slug: 'alpha', label: null }],
    ['alpha.more-tests_2.followup.md', { kind: 'followup', slug: 'alpha', label: 'more-tests_2' }],
    ['alpha.X.followup.md', { kind: 'followup', slug: 'alpha', label: 'X' }],
    [`alpha.${'x'.repeat(64)}.followup.md`, { kind: 'followup', slug: 'alpha', label: 'x'.repeat(64) }],
  ])('%s is %o', (name, expected) => {
    expect(classifyTaskEntry(name)).toEqual(expected);
  });

  it.each([
    '.alpha.md',
    '.alpha.md.swp',
    '.followup.md',
    '..md',
    '...md',
    '../x.md',
    '../x.followup.md',
    'alpha.md.tmp',
    'alpha.md~',
    'alpha.followup.md.rejected',
    'alpha.followup.md.tmp',
    'logs',
    'README.txt',
    'README.md',
    'alpha.MD',
    'alpha.md\n',
    'alpha',
    '',
  ])('%j is ignored', (name) => {
    expect(classifyTaskEntry(name).kind).toBe('ignored');
  });

  it.each([
    ['Alpha.md', /upper-case/],
    ['-alpha.md', /starts with "-"/],
    ['al.pha.md', /has a dot/],
    ['a..b.md', /has a dot/],
    ['a\nb.md', /\\n/],
    ['a/b.md', /slash/],
    ['a\\b.md', /slash/],
    ['café.md', /"é"/],
    ['a b.md', /" "/],
    [`${'a'.repeat(64)}.md`, /64 characters long/],
    ['.md.md', null],
  ])('%j is a bad task (%s)', (name, reason) => {
    const entry = classifyTaskEntry(name);
    if (reason === null) {
      expect(entry.kind).not.toBe('task');
      return;
    }
    expect(entry).toMatchObject({ kind: 'bad-task', slug: null });
    if (entry.kind !== 'bad-task') return;
    expect(entry.reason).toMatch(reason);
    // Every reason says what a slug must look like.
    expect(entry.reason).toContain('lower-case letters, digits and dashes');
    expect(entry.reason).not.toContain('\n');
  });

  it.each([
    ['Alpha.followup.md', null, /upper-case/],
    ['alpha..followup.md', 'alpha', /label ""/],
    ['alpha.a.b.followup.md', 'alpha', /label "a.b"/],
    ['alpha.a b.followup.md', 'alpha', /label "a b"/],
    [`alpha.${'x'.repeat(65)}.followup.md`, 'alpha', /label/],
    ['x/../y.followup.md', null, /slash/],
    ['a/b.followup.md', null, /slash/],
    ['x\n.followup.md', null, /\\n/],
  ])('%j is a bad follow-up', (name, slug, reason) => {
    const entry = classifyTaskEntry(name);
    expect(entry).toMatchObject({ kind: 'bad-followup', slug });
    if (entry.kind === 'bad-followup') {
      expect(entry.reason).toMatch(reason);
      expect(entry.reason).not.toContain('\n');
    }
  });

  it('classifies a name as a task only when its stem is a valid slug', () => {
    const chars = fc.constantFrom(...'abcz09-._/\\A Zé\n~\u0000'.split(''));
    const names = fc.oneof(
      fc.string(),
      fc.string({ unit: chars, maxLength: 70 }).map((s) => `${s}.md`),
      fc.string({ unit: chars, maxLength: 70 }).map((s) => `${s}.followup.md`),
    );
    fc.assert(
      fc.property(names, (name) => {
        const entry = classifyTaskEntry(name);
        if (entry.kind === 'task') {
          expect(name).toBe(`${entry.slug}.md`);
          expect(entry.slug).toMatch(SLUG_PATTERN);
        }
        if (entry.kind === 'followup') expect(entry.slug).toMatch(SLUG_PATTERN);
        if (name.endsWith('.md') && !name.startsWith('.') && SLUG_PATTERN.test(name.slice(0, -3))) {
          expect(entry.kind).toBe('task');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
