import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { formatProblem } from '../../src/domain/errors.js';
import { allocatePortBlock, type PortBlock } from '../../src/domain/ports.js';
import {
  applySetupOverrides,
  commandWords,
  defaultWorktreeSetup,
  parseSetupSections,
  type SetupProblem,
} from '../../src/domain/setup.js';
import { parseTask } from '../../src/domain/task.js';

const parse = (text: string) => parseConfig(text, 'baton.yaml', {}, '/srv/shop');

describe('setup, teardown, ports in baton.yaml', () => {
  it.each([
    ['an argv list', 'setup:\n  run: [[npm, ci]]', { argv: ['npm', 'ci'] }],
    ['a number in an argv list', 'setup:\n  run: [[sleep, 1]]', { argv: ['sleep', '1'] }],
    ['a shell line', 'setup:\n  run: [{sh: "npm ci && make"}]', { sh: 'npm ci && make' }],
    ['block style', 'setup:\n  run:\n    - sh: make\n', { sh: 'make' }],
  ])('reads %s', (_name, text, command) => {
    const r = parse(text);
    expect(r.errors).toEqual([]);
    expect(r.config.setup.run).toEqual([command]);
    expect(r.config.setup.timeoutSeconds).toBe(600);
  });

  it.each([
    [
      'a bare string command',
      'setup:\n  run: ["npm ci"]',
      'baton.yaml:2: setup.run entries must be an argv list like [npm, ci] (run without a shell) or {sh: "npm ci && make"} (run by sh -c), found "npm ci"',
    ],
    [
      'an empty argv',
      'teardown:\n  run: [[]]',
      'baton.yaml:2: teardown.run entries must be an argv list like [npm, ci] (run without a shell) or {sh: "npm ci && make"} (run by sh -c), found a list',
    ],
    [
      'run not a list',
      'setup:\n  run: make',
      'baton.yaml:2: setup.run must be a list of commands (like "- [npm, ci]" or "- sh: make setup"), found "make"',
    ],
    [
      'a timeout of 0',
      'setup:\n  timeoutSeconds: 0',
      'baton.yaml:2: setup.timeoutSeconds must be a number of seconds greater than 0, found 0',
    ],
    [
      'a copy out of the repository',
      'setup:\n  copy: [../x]',
      'baton.yaml:2: setup.copy entries must be a path inside the repository (no "..") relative to the repository root (like ".env" or "config/*.local.json"), found "../x"',
    ],
    [
      'an absolute copy',
      'setup:\n  copy: [/etc/passwd]',
      'baton.yaml:2: setup.copy entries must be a relative path, not an absolute one, relative to the repository root (like ".env" or "config/*.local.json"), found "/etc/passwd"',
    ],
    [
      'a port past 65535',
      'ports:\n  base: 70000',
      'baton.yaml:2: ports.base must be a whole number from 1 to 65535, found 70000',
    ],
    [
      'a section that is not a mapping',
      'ports: 3000',
      'baton.yaml:1: ports must be a mapping (like "base: 20000" and "count: 10"), found 3000',
    ],
  ])('refuses %s', (_name, text, message) => {
    expect(parse(text).errors.map(formatProblem)).toEqual([message]);
  });

  it('warns about an unknown key and keeps the defaults', () => {
    const r = parse('setup:\n  commands: [[make]]');
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      'baton.yaml:2: unknown setting "setup.commands" is ignored; known: copy, run, timeoutSeconds',
    ]);
    expect(r.config.setup).toEqual(defaultWorktreeSetup().setup);
  });
});

describe('setup in a task front matter', () => {
  it('overrides baton.yaml key by key', () => {
    const t = parseTask(
      'tasks/a.md',
      'a',
      '---\nsetup:\n  run: [[make, dev]]\nports: {count: 3}\n---\nGo.\n',
    );
    expect(t.ok).toBe(true);
    if (!t.ok) return;
    const base = defaultWorktreeSetup();
    base.setup.copy = ['.env'];
    const merged = applySetupOverrides(base, t.value.worktreeSetup);
    expect(merged.setup).toEqual({ copy: ['.env'], run: [{ argv: ['make', 'dev'] }], timeoutSeconds: 600 });
    expect(merged.ports).toEqual({ base: 20000, count: 3 });
  });

  it('makes the task invalid on a bad command, at its line', () => {
    const t = parseTask(
      'tasks/a.md',
      'a',
      '---\ntitle: x\nteardown:\n  run: ["docker compose down"]\n---\nGo.\n',
    );
    expect(t.ok).toBe(false);
    if (t.ok) return;
    expect(t.error[0]?.line).toBe(3);
    expect(t.error[0]?.message).toContain('teardown.run entries must be an argv list');
  });

  it('no sections: no overrides', () => {
    const problems: SetupProblem[] = [];
    expect(parseSetupSections(() => null, problems)).toEqual({});
    expect(problems).toEqual([]);
  });
});

describe('commandWords', () => {
  it.each([
    [{ argv: ['npm', 'ci'] }, 'npm ci'],
    [{ argv: ['echo', 'a b'] }, 'echo "a b"'],
    [{ sh: 'make && make test' }, 'sh -c "make && make test"'],
  ])('%j reads as %s', (cmd, words) => {
    expect(commandWords(cmd)).toBe(words);
  });
});

describe('allocatePortBlock', () => {
  const b = (base: number, count = 10): PortBlock => ({ base, count });
  it.each<[string, PortBlock[], PortBlock, PortBlock | null]>([
    ['nothing taken', [], b(20000), b(20000)],
    ['the first block taken', [b(20000)], b(20000), b(20010)],
    ['a gap left by a removed worktree', [b(20000), b(20020)], b(20000), b(20010)],
    ['a gap too small for a bigger block', [b(20000), b(20020)], b(20000, 15), b(20030, 15)],
    ['taken blocks of other sizes', [b(20000, 3), b(20003, 20)], b(20000), b(20023)],
    ['blocks below the base are ignored', [b(10000)], b(20000), b(20000)],
    ['a block overlapping the base', [b(19995)], b(20000), b(20005)],
    ['no room below 65535', [b(65530, 6)], b(65530), null],
    ['exactly up to 65535', [], b(65526), b(65526)],
  ])('%s', (_name, taken, want, expected) => {
    expect(allocatePortBlock(taken, want)).toEqual(expected);
  });
});
