import { describe, expect, it } from 'vitest';
import { didYouMean, maxSuggestDistance, suggest } from '../../src/domain/suggest.js';

const SETTINGS = ['defaultAgent', 'maxConcurrent', 'heartbeatSeconds', 'stallSeconds', 'agents', 'hooks'];
const AGENTS = ['claude', 'codex', 'mine'];

describe('suggest', () => {
  it.each([
    ['maxConcurent', SETTINGS, 'maxConcurrent'],
    ['MaxConcurrent', SETTINGS, 'maxConcurrent'],
    ['maxconcurrent', SETTINGS, 'maxConcurrent'],
    ['heartbeatSecs', SETTINGS, 'heartbeatSeconds'],
    ['agent', SETTINGS, 'agents'],
    ['hook', SETTINGS, 'hooks'],
    ['claud', AGENTS, 'claude'],
    ['cluade', AGENTS, 'claude'],
    ['codx', AGENTS, 'codex'],
    ['Claude', AGENTS, 'claude'],
    ['min', AGENTS, 'mine'],
    ['comand', ['command', 'preset'], 'command'],
    // Too far to be a slip: nothing is suggested.
    ['gpt', AGENTS, undefined],
    ['gemini', AGENTS, undefined],
    ['colour', SETTINGS, undefined],
    ['x', ['y', 'xy'], undefined],
    ['X', ['y', 'x'], 'x'],
    ['ab', ['ac'], undefined],
    // The name itself is not a suggestion.
    ['claude', AGENTS, undefined],
  ] as const)('%s among %j → %s', (word, known, expected) => {
    expect(suggest(word, known)).toBe(expected);
  });

  it('prefers the fewest edits, then the name as cased, then the first', () => {
    expect(suggest('abcd', ['abxy', 'abcx'])).toBe('abcx');
    expect(suggest('Abcd', ['abce', 'Abce'])).toBe('Abce');
    expect(suggest('abcd', ['abce', 'abcf'])).toBe('abce');
  });

  it.each([
    [1, 0],
    [2, 0],
    [3, 1],
    [4, 2],
    [8, 2],
    [9, 3],
    [16, 5],
  ])('allows a name of %i characters %i edits', (length, edits) => {
    expect(maxSuggestDistance(length)).toBe(edits);
  });

  it('didYouMean is a clause to append, or nothing', () => {
    expect(didYouMean('claud', AGENTS)).toBe('; did you mean claude?');
    expect(didYouMean('gpt', AGENTS)).toBe('');
  });
});
