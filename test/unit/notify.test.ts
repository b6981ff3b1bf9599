/** Notifications, the pure part: baton.yaml's `notify:`, which notifiers an event goes to, what they get. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import { formatProblem } from '../../src/domain/errors.js';
import {
  eventForStateChange,
  fillPlaceholders,
  notifierArgv,
  notifiersFor,
  notifierName,
  notifyVariables,
  NOTIFY_EVENTS,
  type NotifierConfig,
  type NotifyPayload,
} from '../../src/domain/notify.js';

const parse = (text: string) => parseConfig(text, 'baton.yaml', {}, '/srv/repo');
const ALL = [...NOTIFY_EVENTS];

describe('parseConfig: notify', () => {
  it.each<[string, string, NotifierConfig[]]>([
    ['absent', 'maxConcurrent: 2\n', []],
    ['empty', 'notify:\n', []],
    ['an empty list', 'notify: []\n', []],
    [
      'an argv with the defaults',
      'notify:\n  - command: [notify-send, "baton: {slug}"]\n',
      [{ command: ['notify-send', 'baton: {slug}'], sh: null, events: ALL, timeoutSeconds: 10 }],
    ],
    [
      'a shell line, filtered, with a timeout',
      'notify:\n  - sh: curl -d "$BATON_DETAIL" ntfy.sh/t\n    events: [failed, stalled, failed]\n    timeoutSeconds: 2.5\n',
      [
        {
          command: null,
          sh: 'curl -d "$BATON_DETAIL" ntfy.sh/t',
          events: ['failed', 'stalled'],
          timeoutSeconds: 2.5,
        },
      ],
    ],
    [
      'one event as a word, numbers in argv',
      'notify:\n  - command: [beep, 3]\n    events: idle\n',
      [{ command: ['beep', '3'], sh: null, events: ['idle'], timeoutSeconds: 10 }],
    ],
  ])('reads %s', (_, text, expected) => {
    const r = parse(text);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.config.notify).toEqual(expected);
  });

  it.each<[string, string]>([
    ['notify: notify-send\n', 'baton.yaml:1: notify must be a list of notifiers'],
    ['notify:\n  - notify-send\n', 'baton.yaml:2: notify[0] must be a mapping with "command"'],
    [
      'notify:\n  - events: [failed]\n',
      'baton.yaml:2: notify[0] needs "command" (an argv list, run without a shell) or "sh"',
    ],
    ['notify:\n  - command: [a]\n    sh: b\n', 'baton.yaml:2: notify[0] has both "command" and "sh"'],
    [
      'notify:\n  - command: notify-send hi\n',
      'baton.yaml:2: notify[0].command must be a non-empty list of arguments',
    ],
    ['notify:\n  - command: []\n', 'baton.yaml:2: notify[0].command must be a non-empty list'],
    ['notify:\n  - sh: "  "\n', 'baton.yaml:2: notify[0].sh must be a command line for sh -c, found "  "'],
    [
      'notify:\n  - command: [a]\n    events: []\n',
      'baton.yaml:3: notify[0].events must be a list of events',
    ],
    [
      'notify:\n  - command: [a]\n    events: [faild]\n',
      'baton.yaml:3: notify[0].events: "faild" is not an event; did you mean failed?',
    ],
    [
      'notify:\n  - command: [a]\n    events: [bogus]\n',
      '"bogus" is not an event; one of idle, failed, stalled',
    ],
    [
      'notify:\n  - command: [a]\n    timeoutSeconds: 0\n',
      'baton.yaml:3: notify[0].timeoutSeconds must be a number of seconds greater than 0, found 0',
    ],
  ])('refuses %j', (text, message) => {
    const errors = parse(text).errors.map(formatProblem);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
  });

  it('keeps the good notifiers when one is bad, and warns about an unknown key', () => {
    const r = parse('notify:\n  - command: [a]\n    event: [failed]\n  - sh: 3\n  - sh: b\n');
    expect(r.config.notify.map((n) => n.command ?? n.sh)).toEqual([['a'], 'b']);
    expect(r.errors.map(formatProblem)).toEqual([
      'baton.yaml:4: notify[1].sh must be a command line for sh -c, found 3',
    ]);
    expect(r.warnings).toEqual([
      'baton.yaml:3: unknown setting "notify[0].event" is ignored; did you mean events?',
    ]);
  });
});

const n = (
  events: NotifierConfig['events'],
  command: string[] | null = ['x'],
  sh: string | null = null,
): NotifierConfig => ({
  command,
  sh,
  events,
  timeoutSeconds: 10,
});

describe('which notifiers an event goes to', () => {
  const list = [n(['failed', 'stalled']), n(ALL), n(['pr_merged'])];
  it.each<[(typeof NOTIFY_EVENTS)[number], number[]]>([
    ['failed', [0, 1]],
    ['stalled', [0, 1]],
    ['idle', [1]],
    ['pr_merged', [1, 2]],
    ['conflict', [1]],
  ])('%s goes to notifiers %j', (event, indexes) => {
    expect(notifiersFor(list, event).map((c) => c.index)).toEqual(indexes);
  });

  it('goes nowhere without notifiers', () => {
    expect(notifiersFor([], 'failed')).toEqual([]);
  });
});

describe('which state changes are events', () => {
  it.each<[string | null | undefined, string, string | null]>([
    ['running', 'failed', 'failed'],
    ['running', 'idle', 'idle'],
    ['interrupting', 'stalled', 'stalled'],
    ['running', 'worker_gone', 'worker_gone'],
    [null, 'worker_gone', 'worker_gone'],
    ['running', 'limited', 'limited'],
    // A state recorded again (a retry scheduled by the heartbeat) is no change.
    ['stalled', 'stalled', null],
    ['worker_gone', 'worker_gone', null],
    // States nobody is told of.
    ['starting', 'running', null],
    ['running', 'interrupting', null],
    ['interrupting', 'interrupted', null],
    ['idle', 'starting', null],
  ])('%s → %s is %s', (from, to, event) => {
    expect(eventForStateChange(from, to)).toBe(event);
  });
});

describe('what a notifier is given', () => {
  const payload: NotifyPayload = {
    event: 'failed',
    slug: 'fix-login',
    state: 'failed',
    ts: '2026-12-04T10:00:00.000Z',
    title: 'Fix the login',
    detail: 'the tests do not pass; "quotes" $(stay) text',
    runId: 'r1',
    branch: 'task/fix-login',
    worktree: null,
    repo: '/srv/repo',
    by: 'worker',
  };

  it('fills placeholders in argv, each one argument, shell characters and all', () => {
    expect(
      fillPlaceholders(['notify-send', 'baton: {slug} {event}', '{detail}', '{worktree}|{unknown}'], payload),
    ).toEqual([
      'notify-send',
      'baton: fix-login failed',
      'the tests do not pass; "quotes" $(stay) text',
      '|{unknown}',
    ]);
  });

  it('runs sh only when asked, with no placeholders filled in its line', () => {
    expect(notifierArgv(n(ALL, ['a', '{slug}']), payload)).toEqual(['a', 'fix-login']);
    expect(notifierArgv(n(ALL, null, 'echo {slug} "$BATON_SLUG"'), payload)).toEqual([
      'sh',
      '-c',
      'echo {slug} "$BATON_SLUG"',
    ]);
  });

  it('sets BATON_EVENT, BATON_SLUG, BATON_STATE and the rest', () => {
    expect(notifyVariables(payload)).toEqual({
      BATON_EVENT: 'failed',
      BATON_SLUG: 'fix-login',
      BATON_STATE: 'failed',
      BATON_TITLE: 'Fix the login',
      BATON_DETAIL: 'the tests do not pass; "quotes" $(stay) text',
      BATON_REPO: '/srv/repo',
    });
  });

  it('names a notifier by its place and program, never its arguments', () => {
    expect(notifierName(0, n(ALL, ['curl', 'https://hooks.example/secret']))).toBe('notify[0] (curl)');
    expect(notifierName(2, n(ALL, null, 'curl -d "$BATON_DETAIL"   ntfy.sh/t'))).toBe(
      'notify[2] (sh -c "curl -d \\"$BATON_DETAIL\\" ntfy.sh/t")',
    );
  });
});
