/**
 * A YAML syntax error is reported at the line a person has to fix (issue 14): an unclosed
 * quote or bracket where it was opened, a line indented under a key that has a value on that
 * line; in baton.yaml and in task front matter, whose YAML starts below the `---` fence.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { formatProblem } from '../../src/domain/errors.js';
import { parseTask } from '../../src/domain/task.js';
import { parseYaml } from '../../src/domain/yaml.js';

const UNCLOSED_DOUBLE = 'invalid YAML: a double quote opened here is never closed';
const UNCLOSED_SINGLE = 'invalid YAML: a single quote opened here is never closed';
const UNCLOSED_SEQ =
  'invalid YAML: a "[" opened here is never closed, or a line before its "]" is indented less than its key';
const UNCLOSED_MAP =
  'invalid YAML: a "{" opened here is never closed, or a line before its "}" is indented less than its key';
const INDENTED = /^invalid YAML: this line is indented more than the key above it, which already has a value/;

/** Each malformed YAML text, and the problems expected: [line, message] in order. */
const CASES: [string, string, [number, string | RegExp][]][] = [
  [
    'an unclosed double quote, several lines before the end',
    'defaultAgent: claude\nmaxConcurrent: 2\nbranchPrefix: "task/\nheartbeatSeconds: 30\nstallSeconds: 600\n\n# end\n',
    [[3, UNCLOSED_DOUBLE]],
  ],
  ['an unclosed double quote on the last line, no newline', 'a: 1\nb: "x', [[2, UNCLOSED_DOUBLE]]],
  ['an unclosed double quote ending in an escaped quote', 'a: 1\nb: "x\\"\nc: 2\n', [[2, UNCLOSED_DOUBLE]]],
  ['an unclosed single quote', "a: 1\nb: 'abc\nc: 2\n", [[2, UNCLOSED_SINGLE]]],
  ['an unclosed single quote ending in a doubled quote', "a: 1\nb: 'it''\nc: 2\n", [[2, UNCLOSED_SINGLE]]],
  ['an unclosed quoted key', 'a: 1\n"b: 2\nc: 3\n', [[2, UNCLOSED_DOUBLE]]],
  ['an unclosed flow sequence', 'maxConcurrent: 2\ncommand: [./x.sh\nfoo: bar\n', [[2, UNCLOSED_SEQ]]],
  [
    'an unclosed flow sequence in an agent',
    'agents:\n  mine:\n    command: [./x.sh\n    resume: [a]\n',
    [[3, UNCLOSED_SEQ]],
  ],
  [
    'an unclosed flow sequence inside a flow map',
    'agents:\n  mine: { command: [./x.sh }\n  other: 1\n',
    [[2, UNCLOSED_MAP]],
  ],
  ['an unclosed flow map', 'a: {x: 1\nb: 2\n', [[1, UNCLOSED_MAP]]],
  ['a flow sequence whose "]" is indented less than its key', 'a:\n  b: [1,\n2]\n', [[2, UNCLOSED_SEQ]]],
  [
    'a key indented under a scalar',
    'defaultAgent: claude\nmaxConcurrent: 4\n  branchPrefix: x\n',
    [[3, INDENTED]],
  ],
  [
    'a key indented under the first line',
    'maxConcurrent: 4\n  branchPrefix: x\nstallSeconds: 3\n',
    [[2, INDENTED]],
  ],
  [
    'two keys indented under a scalar',
    'a: 1\nb: 2\n  c: 3\n  e: 5\nd: 4\n',
    [
      [3, INDENTED],
      [4, INDENTED],
    ],
  ],
  [
    'a key less indented than its siblings',
    'a:\n    b: 1\n  c: 2\n',
    [[3, /^invalid YAML: All mapping items/]],
  ],
  ['a tab as indentation', 'a:\n\tb: 1\n', [[2, /^invalid YAML: Tabs are not allowed/]]],
  ['a key without a colon', 'a: 1\nb\nc: 2\n', [[2, /^invalid YAML: Implicit map keys need/]]],
  ['a duplicate key', 'a: 1\nb: 2\na: 3\n', [[3, /^invalid YAML: Map keys must be unique/]]],
  [
    'an error before an unclosed quote',
    'a:\n\tb: 1\nc: "x\nd: 2\n',
    [
      [2, /^invalid YAML: Tabs are not allowed/],
      [3, UNCLOSED_DOUBLE],
    ],
  ],
];

function expectProblems(actual: { line?: number; message: string }[], expected: [number, string | RegExp][]) {
  expect(actual.map((p) => p.line)).toEqual(expected.map(([line]) => line));
  for (const [i, [, message]] of expected.entries()) {
    if (typeof message === 'string') expect(actual[i]?.message).toBe(message);
    else expect(actual[i]?.message).toMatch(message);
  }
}

describe('YAML syntax errors are reported at the line to fix', () => {
  it.each(CASES)('%s', (_name, text, expected) => {
    const r = parseYaml('x.yaml', text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expectProblems(r.error, expected);
  });

  it.each(CASES)('%s, in baton.yaml', (_name, text, expected) => {
    const { errors } = parseConfig(text, 'baton.yaml', {}, '/srv/repo');
    expectProblems(errors, expected);
  });

  it.each(CASES)('%s, in task front matter (one line below the fence)', (_name, text, expected) => {
    const r = parseTask('tasks/alpha.md', 'alpha', `---\n${text.replace(/\n$/, '')}\n---\nDo it.\n`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expectProblems(
      r.error,
      expected.map(([line, message]) => [line + 1, message]),
    );
  });

  it('prints as file:line: message', () => {
    const { errors } = parseConfig('a: 1\nb: 2\nbranchPrefix: "task/\nc: 3\n', 'baton.yaml', {}, '/srv/repo');
    expect(errors.map(formatProblem)).toEqual([
      'baton.yaml:3: invalid YAML: a double quote opened here is never closed',
    ]);
  });

  it.each([
    ['a closed double quote with an escaped one inside', 'a: "x\\"y"\n'],
    ['a closed double quote ending in an escaped backslash', 'a: "x\\\\"\n'],
    ['a closed single quote with a doubled quote inside', "a: 'it''s'\n"],
    ['a quote written over several lines', 'a: "one\n  two"\nb: 1\n'],
    ['a flow sequence over several lines', 'a: [1,\n  2]\nb: 1\n'],
  ])('accepts %s', (_name, text) => {
    expect(parseYaml('x.yaml', text).ok).toBe(true);
  });
});
