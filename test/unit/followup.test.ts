import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/domain/errors.js';
import { parseFollowup } from '../../src/domain/followup.js';

const FILE = 'tasks/alpha.followup.md';

describe('parseFollowup', () => {
  it.each([
    ['no front matter', 'Also add tests.\n', { mode: 'queue', body: 'Also add tests.', extra: {} }],
    [
      'queue',
      '---\nmode: queue\n---\nAlso add tests.',
      { mode: 'queue', body: 'Also add tests.', extra: {} },
    ],
    [
      'steer',
      '---\nmode: steer\n---\nUse the new API.',
      { mode: 'steer', body: 'Use the new API.', extra: {} },
    ],
    [
      'interrupt',
      '---\nmode: interrupt\n---\nStop, wrong file.',
      { mode: 'interrupt', body: 'Stop, wrong file.', extra: {} },
    ],
    ['empty mode', '---\nmode:\n---\nx', { mode: 'queue', body: 'x', extra: {} }],
    ['empty front matter', '---\n---\nx', { mode: 'queue', body: 'x', extra: {} }],
    [
      'unknown keys kept',
      '---\nmode: steer\nfrom: ana\n---\nx',
      { mode: 'steer', body: 'x', extra: { from: 'ana' } },
    ],
    [
      'BOM and CRLF',
      '\uFEFF---\r\nmode: steer\r\n---\r\n\r\nline 1\r\nline 2\r\n',
      { mode: 'steer', body: 'line 1\nline 2', extra: {} },
    ],
  ])('reads %s', (_name, text, expected) => {
    expect(parseFollowup(FILE, text)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [
      'empty file',
      '',
      ['tasks/alpha.followup.md: the follow-up is empty; write the instruction after the front matter'],
    ],
    [
      'blank body',
      '---\nmode: steer\n---\n\n \n',
      ['tasks/alpha.followup.md: the follow-up is empty; write the instruction after the front matter'],
    ],
    [
      'bad mode',
      '---\nmode: now\n---\nx',
      ['tasks/alpha.followup.md:2: mode must be one of queue, steer, interrupt, found "now"'],
    ],
    [
      'bad mode and empty body',
      '---\n\nmode: 3\n---\n',
      [
        'tasks/alpha.followup.md:3: mode must be one of queue, steer, interrupt, found 3',
        'tasks/alpha.followup.md: the follow-up is empty; write the instruction after the front matter',
      ],
    ],
    [
      'unclosed front matter',
      '---\nmode: steer\nx',
      [expect.stringMatching(/^tasks\/alpha\.followup\.md:1: front matter opened/)],
    ],
    [
      'duplicate keys',
      '---\nmode: steer\nmode: queue\n---\nx',
      [expect.stringMatching(/^tasks\/alpha\.followup\.md:3: invalid YAML: .*unique/)],
    ],
    [
      'a list as front matter',
      '---\n- steer\n---\nx',
      [expect.stringMatching(/:2: front matter must be a YAML mapping/)],
    ],
  ])('rejects %s', (_name, text, expected) => {
    const r = parseFollowup(FILE, text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.map(formatProblem)).toEqual(expected);
  });
});
