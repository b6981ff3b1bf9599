import { describe, expect, it } from 'vitest';
import {
  decideClaim,
  decodeClaim,
  encodeClaim,
  inboxOrder,
  keeperStep,
  leaseLapsed,
  newClaim,
  released,
  remoteDropName,
  remoteInboxId,
  renewEveryMs,
  renewed,
  safeHost,
  stopBy,
  type ClaimRecord,
} from '../../src/domain/cluster.js';
import { classifyTaskEntry } from '../../src/domain/files.js';

const t = { leaseMs: 4000, skewMs: 1000 };
const T0 = Date.parse('2026-12-07T12:00:00Z');
const held = (host: string, expiresAt: number, rel = false): ClaimRecord => ({
  slug: 'a',
  host,
  runId: 'r1',
  epoch: 3,
  since: new Date(T0).toISOString(),
  expiresAt,
  released: rel,
});

describe('claim records', () => {
  it('round-trip through a commit message, and anything else is not one', () => {
    const r = newClaim('a', 'h1', 1, T0, t, null);
    expect(decodeClaim(encodeClaim(r))).toEqual(r);
    expect(encodeClaim(r).split('\n')[0]).toBe('baton claim a held by h1 (epoch 1)');
    expect(decodeClaim('hello\n\n{}')).toBeNull();
    expect(decodeClaim('baton claim a\n\n{"slug":"a"}')).toBeNull();
    expect(decodeClaim('baton claim a\n\n{not json')).toBeNull();
  });
  it('renewal keeps the epoch and start; release keeps the epoch and host', () => {
    const r = newClaim('a', 'h1', 2, T0, t);
    expect(renewed(r, T0 + 1000, t, 'run9')).toMatchObject({
      epoch: 2,
      since: r.since,
      runId: 'run9',
      expiresAt: T0 + 5000,
    });
    expect(released(r, T0 + 10)).toMatchObject({ epoch: 2, host: 'h1', released: true });
  });
});

describe('decideClaim', () => {
  const cases: [string, ClaimRecord | null, 'person' | 'auto', number, string][] = [
    ['absent: create at epoch 1', null, 'auto', T0, 'create:1'],
    [
      'own live claim (a dead local worker left it): replace',
      held('me', T0 + 4000),
      'auto',
      T0,
      'replace:4:false',
    ],
    ['own released: replace', held('me', T0, true), 'auto', T0, 'replace:4:false'],
    ['other live: held', held('h2', T0 + 4000), 'auto', T0, 'held'],
    ['other lapsed but within skew: held', held('h2', T0 - 500), 'auto', T0, 'held'],
    ['other lapsed exactly at skew: held', held('h2', T0 - 1000), 'auto', T0, 'held'],
    ['other lapsed beyond skew: take over', held('h2', T0 - 1001), 'auto', T0, 'replace:4:true'],
    ['other released, the watcher: ran elsewhere', held('h2', T0, true), 'auto', T0, 'elsewhere'],
    ['other released, a person: replace', held('h2', T0, true), 'person', T0, 'replace:4:false'],
    ['other live, a person: still held', held('h2', T0 + 4000), 'person', T0, 'held'],
  ];
  it.each(cases)('%s', (_name, current, who, now, want) => {
    const d = decideClaim(current, 'me', who, now, t);
    const got =
      d.kind === 'create'
        ? `create:${d.epoch}`
        : d.kind === 'replace'
          ? `replace:${d.epoch}:${d.takeover}`
          : d.kind;
    expect(got).toBe(want);
  });
});

describe('lease timing', () => {
  it('a holder renews every third of a lease and stops a quarter lease before its end', () => {
    expect(renewEveryMs(t)).toBe(1333);
    expect(renewEveryMs({ leaseMs: 120_000, skewMs: 10_000 })).toBe(40_000);
    const r = held('me', T0 + 4000);
    expect(stopBy(r, t)).toBe(T0 + 3000);
    expect(keeperStep(r, T0 + 2999, t)).toBe('renew');
    expect(keeperStep(r, T0 + 3000, t)).toBe('stop');
  });
  it('the holder has stopped before any taker may start: stopBy + lease/4 + skew = lapse', () => {
    const r = held('h2', T0 + 4000);
    expect(leaseLapsed(r, stopBy(r, t), t)).toBe(false);
    expect(leaseLapsed(r, r.expiresAt + t.skewMs, t)).toBe(false);
    expect(leaseLapsed(r, r.expiresAt + t.skewMs + 1, t)).toBe(true);
  });
});

describe('remote inbox ids', () => {
  it('sort in arrival order and skip what is not an id', () => {
    const a = remoteInboxId(T0, 'h1', 'aaaa');
    const b = remoteInboxId(T0 + 1, 'h0', 'ffff');
    const c = remoteInboxId(T0 + 1, 'h2', '0000');
    expect(inboxOrder([c, 'junk', b, a])).toEqual([a, b, c]);
    expect(remoteInboxId(5, 'x', 'abcd')).toBe('0000000000005-x-abcd');
  });
  it('become a drop name the watcher accepts as a follow-up, for long and dotted host names', () => {
    for (const host of ['h1', 'build.example.com', 'x'.repeat(63)]) {
      const name = remoteDropName('task-a', remoteInboxId(T0, host, '0123abcd'));
      expect(classifyTaskEntry(name)).toMatchObject({ kind: 'followup', slug: 'task-a' });
    }
  });
  it('host names become safe ref components', () => {
    expect(safeHost('my host/1')).toBe('my-host-1');
    expect(safeHost('..x.lock')).toBe('x');
    expect(safeHost('')).toBe('host');
  });
});
