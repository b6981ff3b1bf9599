/** The board's text for people (cli/board-text.ts): colours by state, rejected drops aging out, a recent hooks repair. */
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { TaskState } from '../../src/domain/states.js';
import { renderBoard } from '../../src/cli/board-text.js';
import { boardJson } from '../../src/cli/board-view.js';
import type { Board, BoardTask, RejectedEntry, TaskSummary } from '../../src/ops/board.js';

const now = new Date('2026-12-07T12:00:00Z');
const hoursAgo = (h: number): string => new Date(now.getTime() - h * 3600_000).toISOString();

function task(slug: string, state: TaskState): BoardTask {
  const summary = {
    slug,
    file: `tasks/${slug}.md`,
    status: 'ready',
    agent: null,
    base: null,
    priority: 0,
    title: 'T',
  };
  return {
    slug,
    file: `tasks/${slug}.md`,
    state,
    task: summary as unknown as TaskSummary,
    status: null,
    error: null,
    lock: null,
    pendingFollowups: 0,
  };
}

const board = (over: Partial<Board> = {}): Board => ({
  tasks: [task('alpha', 'ready')],
  rejected: [],
  problems: [],
  watcher: { pid: 42, since: hoursAgo(1) },
  ...over,
});

describe('colour', () => {
  it.each<[TaskState, string | null]>([
    ['running', '\u001b[32m'],
    ['failed', '\u001b[31m'],
    ['worker_gone', '\u001b[31m'],
    ['stalled', '\u001b[33m'],
    ['interrupted', '\u001b[33m'],
    ['draft', '\u001b[2m'],
    ['idle', '\u001b[2m'],
    ['ready', null],
  ])('%s is coloured %j', (state, code) => {
    const text = renderBoard(board({ tasks: [task('alpha', state)] }), now, { width: 80, color: true });
    const row = text.split('\n').find((l) => stripVTControlCharacters(l).startsWith('alpha')) ?? '';
    if (code === null) expect(row).not.toContain('\u001b[');
    else expect(row).toContain(`${code}${state}`);
  });

  it('is off unless asked', () => {
    expect(renderBoard(board({ watcher: null }), now, { width: 80, color: false })).not.toContain('\u001b[');
  });
});

describe('rejected drops', () => {
  const rejected = (ages: number[]): RejectedEntry[] =>
    ages.map((h, i) => ({ ts: hoursAgo(h), file: `tasks/d${i}.followup.md`, reason: `reason ${i}` }));
  const section = (b: Board): string =>
    renderBoard(b, now, { width: 200, color: false }).split('\n\n').at(-1) ?? '';

  it('lists the newest five of the last 24 h and says how many more there are', () => {
    const text = section(board({ rejected: rejected([50, 30, 26, 20, 10, 9, 8, 7, 6, 1]) }));
    expect(text).toBe(
      [
        'Rejected drops in the last 24 h (7):',
        '  tasks/d5.followup.md: reason 5',
        '  tasks/d6.followup.md: reason 6',
        '  tasks/d7.followup.md: reason 7',
        '  tasks/d8.followup.md: reason 8',
        '  tasks/d9.followup.md: reason 9',
        '  5 more (3 of them older than 24 h) listed in tasks/logs/rejected.jsonl; each drop is kept as tasks/<name>.rejected',
        '',
      ].join('\n'),
    );
  });

  it('when all are old, one line says where they are', () => {
    expect(section(board({ rejected: rejected([30, 48]) }))).toBe(
      'Rejected drops: 2 older than 24 h, listed in tasks/logs/rejected.jsonl; each drop is kept as tasks/<name>.rejected\n',
    );
  });

  it('--json keeps them all', () => {
    expect(boardJson(board({ rejected: rejected([30, 48, 1]) })).rejected).toHaveLength(3);
  });
});

describe('hooks repair', () => {
  const repair = (h: number) => ({
    at: hoursAgo(h),
    by: 'heartbeat',
    said: "re-installed baton's git hooks (x): y",
  });
  it('shows for a day', () => {
    expect(renderBoard(board({ hookRepair: repair(3) }), now)).toMatch(
      /^hooks: 3h ago, the heartbeat re-installed baton's git hooks \(x\): y$/m,
    );
    expect(renderBoard(board({ hookRepair: repair(25) }), now)).not.toContain('hooks:');
    expect(boardJson(board({ hookRepair: repair(25) })).hooks.lastRepair?.at).toBe(hoursAgo(25));
    expect(boardJson(board()).hooks).toEqual({ lastRepair: null });
  });
});
