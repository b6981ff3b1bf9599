import { describe, expect, it } from 'vitest';
import {
  decodeTaken,
  encodeTaken,
  inboxRefState,
  inboxStep,
  type InboxFacts,
  type InboxRefState,
  type InboxStep,
} from '../../src/domain/inbox-take.js';

const ME = 'alpha';
const absent: InboxRefState = { kind: 'absent' };
const item: InboxRefState = { kind: 'item' };
const byMe: InboxRefState = { kind: 'taken', host: ME };
const byOther: InboxRefState = { kind: 'taken', host: 'beta' };

describe('taken records', () => {
  it('round-trip through a commit message; anything else (a follow-up item) is not one', () => {
    const r = { slug: 'fu', id: '0001765000000000-beta-0a1b2c3d', host: ME, at: '2026-12-07T12:00:00.000Z' };
    const msg = encodeTaken(r);
    expect(msg.split('\n')[0]).toBe(`baton inbox fu/${r.id} taken by alpha`);
    expect(decodeTaken(msg)).toEqual(r);
    expect(inboxRefState(msg)).toEqual(byMe);
    expect(decodeTaken('baton follow-up for fu from beta\n')).toBeNull();
    expect(inboxRefState('baton follow-up for fu from beta\n')).toEqual(item);
    expect(decodeTaken('baton inbox fu/x taken by a\n\n{"slug":"fu"}')).toBeNull();
    expect(decodeTaken('baton inbox fu/x taken by a\n\n{not json')).toBeNull();
    expect(
      decodeTaken('baton claim fu held by a (epoch 1)\n\n{"slug":"fu","id":"x","host":"a","at":"t"}'),
    ).toBeNull();
  });
});

describe('what a host does with one remote inbox item', () => {
  const f = (staged: boolean, here: boolean, holder: boolean): InboxFacts => ({ staged, here, holder });
  // [why, ref, facts, step]
  const table: [string, InboxRefState, InboxFacts, InboxStep][] = [
    // Gone: only a taker deletes, after its drop was made. A copy here lost the race, or was
    // staged by a host that died before its swap while another host took it over (the bug).
    ['gone, copy staged here: someone else delivered it', absent, f(true, false, true), 'discard'],
    ['gone, copy staged, not the holder any more', absent, f(true, false, false), 'discard'],
    ['gone, nothing staged', absent, f(false, false, true), 'leave'],
    // The item itself: nobody took it yet.
    ['the holder takes it', item, f(false, false, true), 'take'],
    ['the holder died after staging, before its swap: takes it again', item, f(true, false, true), 'take'],
    [
      'already here (a publisher that published again): only deleted',
      item,
      f(false, true, true),
      'remove-item',
    ],
    ['already here with a copy staged: deleted, copy dropped', item, f(true, true, true), 'remove-item'],
    ['staged before the claim moved: the new holder takes it', item, f(true, false, false), 'discard'],
    ["another host's task", item, f(false, false, false), 'leave'],
    // Taken by this host.
    ['died after its swap, before the drop: delivers it', byMe, f(true, false, false), 'deliver'],
    ['died after its swap, still the holder: delivers it', byMe, f(true, false, true), 'deliver'],
    ['died after the drop was made: only cleans up', byMe, f(true, true, true), 'finish'],
    ['died after the drop was ingested or sent on: only cleans up', byMe, f(true, true, false), 'finish'],
    ['no copy: the take got past its delivery', byMe, f(false, false, true), 'finish'],
    // Taken by another host: it alone delivers (even when this host holds the task now).
    ['copy staged here, another host took it', byOther, f(true, false, true), 'discard'],
    ['copy staged, not the holder', byOther, f(true, false, false), 'discard'],
    ["another host's record on a task held here", byOther, f(false, false, true), 'leave'],
    ["another host's record, nothing here", byOther, f(false, false, false), 'leave'],
  ];
  it.each(table)('%s', (_why, ref, facts, step) => {
    expect(inboxStep(ref, facts, ME)).toBe(step);
  });

  it('a staged copy goes into tasks/ without a swap of its own only when the ref names this host', () => {
    for (const ref of [absent, item, byOther, byMe])
      for (const holder of [true, false]) {
        const step = inboxStep(ref, f(true, false, holder), ME);
        expect(step === 'deliver', `${JSON.stringify(ref)} holder=${holder}`).toBe(ref === byMe);
      }
  });
});
