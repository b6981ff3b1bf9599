import { describe, expect, it } from 'vitest';
import { configChanges } from '../../src/config/changes.js';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';

const config = (text: string): Config => parseConfig(text, 'baton.yaml', {}, '/srv/repos/shop').config;

describe('configChanges', () => {
  it.each([
    ['nothing', 'maxConcurrent: 2', 'maxConcurrent: 2', []],
    ['a number', 'maxConcurrent: 1', 'maxConcurrent: 2', ['maxConcurrent 1 → 2']],
    ['a string, quoted', '', 'defaultAgent: codex', ['defaultAgent "claude" → "codex"']],
    ['a nested flag', '', 'hooks: { autoRepair: false }', ['hooks.autoRepair true → false']],
    ['an agent added', '', 'agents:\n  mine: { command: [run, "{prompt}"] }', ['agents.mine added']],
    [
      'a list, named without its values',
      'agents:\n  claude: { preset: claude, args: [--a] }',
      'agents:\n  claude: { preset: claude, args: [--b] }',
      ['agents.claude.args changed'],
    ],
    [
      'many, the rest counted',
      '',
      'maxConcurrent: 9\nheartbeatSeconds: 9\nmaxDispatchesPerCycle: 9\nstallSeconds: 9\nretryCooldownSeconds: 9\ndispatchTimeoutSeconds: 9\ndefaultAgent: codex\nbranchPrefix: x/',
      { length: 7, last: '2 more' },
    ],
  ])('%s', (_what, before, after, want) => {
    const got = configChanges(config(before), config(after));
    if (Array.isArray(want)) expect(got).toEqual(want);
    else {
      expect(got).toHaveLength(want.length);
      expect(got.at(-1)).toBe(want.last);
    }
  });
});
