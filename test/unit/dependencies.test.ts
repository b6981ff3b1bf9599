import { describe, expect, it } from 'vitest';
import {
  cycleThrough,
  describeUnmet,
  judgeDependencies,
  mergeQuestions,
  parseAfter,
  type DependencyNode,
} from '../../src/domain/dependencies.js';
import { planCycle } from '../../src/domain/cycle.js';
import { parseTask } from '../../src/domain/task.js';
import { waitingFor } from '../../src/domain/waiting.js';
import type { TaskState } from '../../src/domain/states.js';
import { cycleTask } from '../helpers/cycle-task.js';

const node = (
  slug: string,
  after: string[] = [],
  state: TaskState = 'ready',
  afterMerge = false,
): DependencyNode => ({
  slug,
  after,
  afterMerge,
  state,
});

describe('parseAfter', () => {
  it.each([
    [
      ['a', 'b'],
      ['a', 'b'],
    ],
    ['a', ['a']],
    [[], []],
    [
      ['a', 'a', 'b'],
      ['a', 'b'],
    ],
    [['A'], undefined],
    [[1], undefined],
    [{ a: 1 }, undefined],
    ['../x', undefined],
  ])('%j → %j', (v, want) => {
    expect(parseAfter(v)).toEqual(want);
  });
});

describe('judgeDependencies', () => {
  it.each<[string, DependencyNode[], Record<string, unknown>]>([
    ['no after: no verdict', [node('a'), node('b')], {}],
    ['a dependency done: met', [node('a', [], 'done'), node('b', ['a'])], { b: { kind: 'met' } }],
    [
      'dependencies not done: blocked on each, with its state',
      [node('a', [], 'running'), node('c', [], 'done'), node('d'), node('b', ['a', 'c', 'd'])],
      {
        b: {
          kind: 'blocked',
          on: [
            { slug: 'a', state: 'running' },
            { slug: 'd', state: 'ready' },
          ],
        },
      },
    ],
    [
      'a chain: the later links are blocked on the earlier ones, named blocked whatever the order',
      [node('c', ['b']), node('a'), node('b', ['a'])],
      {
        b: { kind: 'blocked', on: [{ slug: 'a', state: 'ready' }] },
        c: { kind: 'blocked', on: [{ slug: 'b', state: 'blocked' }] },
      },
    ],
    [
      'cancelled is not done',
      [node('a', [], 'cancelled'), node('b', ['a'])],
      { b: { kind: 'blocked', on: [{ slug: 'a', state: 'cancelled' }] } },
    ],
    [
      'an unknown slug: invalid, naming it',
      [node('b', ['nope'])],
      { b: { kind: 'invalid', error: 'after: names a task that does not exist (no tasks/nope.md)' } },
    ],
    [
      'the task itself: a cycle of one',
      [node('a', ['a'])],
      { a: { kind: 'invalid', error: 'after: makes a cycle, a → a: no task in it could ever start' } },
    ],
    [
      'a cycle of three is spelled out from each member; a task behind it is blocked on an invalid one',
      [node('a', ['b']), node('b', ['c']), node('c', ['a']), node('d', ['a'])],
      {
        a: { kind: 'invalid', error: 'after: makes a cycle, a → b → c → a: no task in it could ever start' },
        b: { kind: 'invalid', error: 'after: makes a cycle, b → c → a → b: no task in it could ever start' },
        c: { kind: 'invalid', error: 'after: makes a cycle, c → a → b → c: no task in it could ever start' },
        d: { kind: 'blocked', on: [{ slug: 'a', state: 'invalid' }] },
      },
    ],
    [
      'a task that started is past its dependencies: not judged',
      [node('a', ['nope'], 'running'), node('b', ['a'], 'idle')],
      {},
    ],
    [
      'a draft is judged only for what makes it invalid',
      [node('a'), node('b', ['a'], 'draft'), node('c', ['c'], 'draft')],
      { c: { kind: 'invalid', error: 'after: makes a cycle, c → c: no task in it could ever start' } },
    ],
  ])('%s', (_what, nodes, want) => {
    expect(Object.fromEntries(judgeDependencies(nodes))).toEqual(want);
  });

  it('after-merge: a done dependency blocks until its branch is merged', () => {
    const nodes = [node('a', [], 'done'), node('b', ['a'], 'ready', true), node('c', ['a'])];
    expect(mergeQuestions(nodes)).toEqual(['a']);
    expect(judgeDependencies(nodes, new Map([['a', { merged: false, into: 'main' }]])).get('b')).toEqual({
      kind: 'blocked',
      on: [{ slug: 'a', state: 'done', notMergedInto: 'main' }],
    });
    expect(judgeDependencies(nodes, new Map([['a', { merged: true, into: 'main' }]])).get('b')).toEqual({
      kind: 'met',
    });
    // Unasked is unmerged: the adapter must ask.
    expect(judgeDependencies(nodes).get('b')?.kind).toBe('blocked');
    // A dependency not done yet costs no git question.
    expect(mergeQuestions([node('a', [], 'running'), node('b', ['a'], 'ready', true)])).toEqual([]);
  });
});

describe('cycleThrough', () => {
  it('finds the shortest cycle back to the start, and none where there is none', () => {
    const g = new Map(
      Object.entries({
        a: { after: ['x', 'b'] },
        b: { after: ['a'] },
        x: { after: ['y'] },
        y: { after: ['a'] },
      }),
    );
    expect(cycleThrough('a', g)).toEqual(['a', 'b', 'a']);
    expect(cycleThrough('x', g)).toEqual(['x', 'y', 'a', 'x']);
    expect(
      cycleThrough(
        'a',
        new Map([
          ['a', { after: ['b'] }],
          ['b', { after: [] }],
        ]),
      ),
    ).toBeNull();
  });
});

describe('describeUnmet', () => {
  it('says each dependency with what it waits on', () => {
    expect(
      describeUnmet([
        { slug: 'a', state: 'running' },
        { slug: 'b', state: 'done', notMergedInto: 'main' },
        { slug: 'c', state: 'invalid' },
      ]),
    ).toBe('a (running), b (done, not yet merged into main), c (invalid: see its file)');
  });
});

describe('task files with after:', () => {
  const parse = (fm: string) => parseTask('tasks/t.md', 't', `---\n${fm}\n---\nDo it.\n`);
  it.each<[string, string, unknown]>([
    ['a list', 'after: [a, b]', { after: ['a', 'b'], afterMerge: false }],
    ['one slug', 'after: a\nafter-merge: true', { after: ['a'], afterMerge: true }],
    ['none', 'title: x', { after: [], afterMerge: false }],
    ['base: after with one', 'after: [a]\nbase: after', { after: ['a'], base: 'after' }],
  ])('%s', (_what, fm, want) => {
    const r = parse(fm);
    expect(r.ok && r.value).toMatchObject(want as object);
  });
  it.each([
    ['after: [Bad Slug]', 'after must be a list of task slugs'],
    ['after-merge: yes', 'after-merge must be true or false'],
    ['after: [a, b]\nbase: after', 'after: names 2 (a, b); name exactly one'],
    ['base: after', 'after: names none'],
  ])('%s is a problem', (fm, want) => {
    const r = parse(fm);
    expect(r.ok).toBe(false);
    expect(JSON.stringify(!r.ok && r.error)).toContain(want);
  });
});

describe('a blocked task', () => {
  it('is never dispatched by the heartbeat, nor are its follow-ups started', () => {
    const limits = {
      maxConcurrent: 4,
      maxDispatchesPerCycle: 4,
      retryCooldownSeconds: 300,
      stallSeconds: 900,
    };
    const tasks = [cycleTask('b', { state: 'blocked', priority: 9, pendingFollowups: 1 }), cycleTask('c')];
    expect(planCycle(tasks, limits, new Date(), { fillSlots: true })).toEqual([
      { kind: 'dispatch', slug: 'c' },
    ]);
  });

  it('says what it waits for, and that a watcher is needed', () => {
    const input = {
      slug: 'b',
      state: 'blocked' as const,
      live: false,
      ranBefore: false,
      pendingFollowups: 0,
      retryAt: null,
      failure: null,
      since: null,
      blockedOn: [{ slug: 'a', state: 'running' as const }],
    };
    expect(
      waitingFor(input, { watcher: { pid: 7, heartbeatSeconds: 30 }, running: 1, maxConcurrent: 2 }),
    ).toEqual({
      reason: 'blocked',
      detail: 'Waiting for a (running): the watcher dispatches it as soon as the last is done.',
      since: null,
    });
    expect(waitingFor(input, { watcher: null, running: 1, maxConcurrent: 2 })?.detail).toContain(
      'no watcher is running',
    );
  });
});
