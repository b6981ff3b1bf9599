import { describe, expect, it } from 'vitest';
import { createClaudeParser } from '../../src/agents/claude-parser.js';
import { createCodexParser } from '../../src/agents/codex-parser.js';
import { detectLimit, matchLimitPattern, parseDuration, parseWhen } from '../../src/agents/limits.js';
import {
  agentLimitState,
  limitBackoffSeconds,
  resolveLimit,
  resolveReset,
  shortTime,
  zonedInstant,
} from '../../src/domain/limits.js';

/** The reset `line` names, seen at `now`, with times without a zone read in `zone`. */
function resetOf(line: string, now: string, zone = 'UTC'): { at: string; how: string } | null {
  const notice = detectLimit(line);
  if (notice === null) throw new Error(`not a limit: ${line}`);
  const r = resolveReset(notice.reset, new Date(now), zone);
  return r === null ? null : { at: r.at.toISOString(), how: r.how };
}

describe('detectLimit: the shapes agents print, resolved to the reset instant', () => {
  const table: [string, string, string, string | null, string | null][] = [
    // line, now, zone for times without one, reset, how
    [
      'Claude AI usage limit reached|1749924000',
      '2025-06-14T15:00:00Z',
      'UTC',
      '2025-06-14T18:00:00.000Z',
      'unix',
    ],
    // across midnight: 23:00 in Los Angeles, the reset is 00:50 the next day there
    [
      "You've hit your session limit · resets 12:50am (America/Los_Angeles)",
      '2026-07-04T06:00:00Z',
      'UTC',
      '2026-07-04T07:50:00.000Z',
      'clock',
    ],
    // 18:00 in Dhaka (UTC+6): 01:30 tomorrow there
    [
      "You've hit your limit · resets 1:30am (Asia/Dhaka)",
      '2026-02-03T12:00:00Z',
      'UTC',
      '2026-02-03T19:30:00.000Z',
      'clock',
    ],
    [
      'Limit reached · resets 11:30am (Asia/Calcutta) · /upgrade to increase your usage limit.',
      '2026-05-01T03:00:00Z',
      'UTC',
      '2026-05-01T06:00:00.000Z',
      'clock',
    ],
    // no zone: the local one (here Europe/Berlin, CET in March)
    [
      '5-hour limit reached ∙ resets 3pm',
      '2026-03-10T10:00:00Z',
      'Europe/Berlin',
      '2026-03-10T14:00:00.000Z',
      'clock_local',
    ],
    [
      'Claude usage limit reached. Your limit will reset at 9am (America/Chicago).',
      '2026-01-10T20:00:00Z',
      'UTC',
      '2026-01-11T15:00:00.000Z',
      'clock',
    ],
    [
      "You've hit your limit · resets Apr 10 at 7am (America/Chicago)",
      '2026-04-08T14:32:30Z',
      'UTC',
      '2026-04-10T12:00:00.000Z',
      'clock',
    ],
    [
      'Claude usage limit reached. Your limit will reset at 1pm (Etc/GMT+5).',
      '2025-06-14T12:00:00Z',
      'UTC',
      '2025-06-14T18:00:00.000Z',
      'clock',
    ],
    [
      "You've hit your session limit · resets 8:30pm (Asia/Tokyo)",
      '2026-07-13T12:00:00Z',
      'UTC',
      '2026-07-13T11:30:00.000Z'.replace('07-13T11', '07-14T11'),
      'clock',
    ],
    // Codex
    [
      "You've hit your usage limit. Upgrade to Pro (https://openai.com/chatgpt/pricing) or try again in 2 days 17 hours 14 minutes.",
      '2025-09-03T00:00:00Z',
      'UTC',
      '2025-09-05T17:14:00.000Z',
      'in',
    ],
    [
      "You've hit your usage limit. Upgrade to Plus to continue using Codex (https://chatgpt.com/explore/plus), or try again at Apr 28th, 2026 10:03 PM.",
      '2026-04-28T08:00:00Z',
      'Europe/Berlin',
      '2026-04-28T20:03:00.000Z',
      'clock_local',
    ],
    [
      '{"error":{"type":"usage_limit_reached","message":"The usage limit has been reached","plan_type":"free","resets_at":1775317531,"resets_in_seconds":602705}}',
      '2026-03-28T00:00:00Z',
      'UTC',
      '2026-04-04T15:45:31.000Z',
      'unix',
    ],
    [
      'stream error: {"type":"usage_limit_reached","resets_in_seconds":3600}',
      '2026-03-28T00:00:00Z',
      'UTC',
      '2026-03-28T01:00:00.000Z',
      'in',
    ],
    // a limit with no reset time: a backoff
    ['Quota exceeded. Check your plan and billing details.', '2026-03-28T00:00:00Z', 'UTC', null, null],
    [
      'API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed your account\'s rate limit. Please try again later."}}',
      '2026-03-28T00:00:00Z',
      'UTC',
      null,
      null,
    ],
    [
      "You've hit your usage limit. Upgrade to Pro (https://openai.com/chatgpt/pricing), or wait for limits to reset (every 5h and every week.).",
      '2026-03-28T00:00:00Z',
      'UTC',
      null,
      null,
    ],
  ];
  it.each(table)('%s (at %s, local %s) → %s', (line, now, zone, at, how) => {
    expect(resetOf(line, now, zone)).toEqual(at === null ? null : { at, how });
  });

  it('across a daylight-saving change the reset keeps its wall-clock time in its zone', () => {
    // Saturday 15:00 EST; New York moves to EDT at 2:00 on Sunday 2026-03-08: 9am is 13:00 UTC, not 14:00.
    expect(resetOf('Limit reached · resets 9am (America/New_York)', '2026-03-07T20:00:00Z')?.at).toBe(
      '2026-03-08T13:00:00.000Z',
    );
    // 2:30 does not exist that night: the clock jumps from 2:00 to 3:00, so it is 3:30 EDT.
    expect(resetOf('Limit reached · resets 2:30am (America/New_York)', '2026-03-08T05:00:00Z')?.at).toBe(
      '2026-03-08T07:30:00.000Z',
    );
    // 1:30 happens twice on 2026-11-01 in New York: the first (EDT) is taken.
    expect(resetOf('Limit reached · resets 1:30am (America/New_York)', '2026-11-01T04:00:00Z')?.at).toBe(
      '2026-11-01T05:30:00.000Z',
    );
    // London's clocks go forward at 1:00 on 2026-03-29.
    expect(resetOf("You've hit your limit · resets 1:30am (Europe/London)", '2026-03-28T23:00:00Z')?.at).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    // After the change in autumn, Sydney is UTC+11 → UTC+10 on 2026-04-05 at 3:00.
    expect(
      resetOf("You've hit your limit · resets 10am (Australia/Sydney)", '2026-04-04T12:00:00Z')?.at,
    ).toBe('2026-04-05T00:00:00.000Z');
  });

  it('an unknown zone is read as local time', () => {
    expect(
      resetOf("You've hit your limit · resets 3pm (Mars/Olympus)", '2026-03-10T10:00:00Z', 'Europe/Berlin'),
    ).toEqual({
      at: '2026-03-10T14:00:00.000Z',
      how: 'clock_local',
    });
  });

  it('garbage and near-misses are not limits', () => {
    for (const line of [
      '',
      'Error: 500 Internal Server Error',
      'I added a rate limiter so the API is not hit too often.',
      'Limit reached',
      'limit reached · resets whenever',
      "You've hit your limit of 10 open files.",
      'HTTP 429 Too Many Requests',
      '{"type":"rate_limit_error"}',
      '{"type":"usage_limit"}',
      'Claude usage limits are described in the docs',
      'Not logged in · Please run /login',
      'Reconnecting... 2/5 (stream disconnected before completion)',
    ])
      expect(detectLimit(line), line).toBeNull();
  });
});

describe('reset texts, durations and backoff', () => {
  it('parseWhen reads the times agents write and refuses the rest', () => {
    expect(parseWhen('12:50am (America/Los_Angeles)')).toMatchObject({
      hour: 0,
      minute: 50,
      zone: 'America/Los_Angeles',
    });
    expect(parseWhen('12pm')).toMatchObject({ hour: 12, minute: 0, zone: null });
    expect(parseWhen('22:05')).toMatchObject({ hour: 22, minute: 5 });
    expect(parseWhen('Apr 28th, 2026 10:03 PM')).toMatchObject({
      month: 4,
      day: 28,
      year: 2026,
      hour: 22,
      minute: 3,
    });
    expect(parseWhen('1775317531')).toEqual({ kind: 'unix', seconds: 1775317531 });
    for (const bad of ['3', '25:00', '13pm', '0am', 'tomorrow', '10:75', 'soon (UTC)'])
      expect(parseWhen(bad), bad).toBeNull();
  });

  it('parseDuration adds up the units', () => {
    expect(parseDuration('4 days 6 hours 37 minutes')).toBe(4 * 86400 + 6 * 3600 + 37 * 60);
    expect(parseDuration('5h 3m')).toBe(5 * 3600 + 180);
    expect(parseDuration('90 seconds')).toBe(90);
    expect(parseDuration('3 fortnights')).toBeNull();
    expect(parseDuration('soon')).toBeNull();
  });

  it('no reset: 15 min, doubling per consecutive limit, capped at 5 h', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 40].map(limitBackoffSeconds)).toEqual([
      900, 1800, 3600, 7200, 14400, 18000, 18000, 18000,
    ]);
  });

  it('resolveLimit adds the buffer to a reset ahead, and backs off for none or one already past', () => {
    const now = new Date('2026-03-28T00:00:00Z');
    expect(resolveLimit({ kind: 'in', seconds: 600 }, { now, bufferSeconds: 60, hits: 1 })).toEqual({
      reset: '2026-03-28T00:10:00.000Z',
      how: 'in',
      retryAt: '2026-03-28T00:11:00.000Z',
      backoffSeconds: null,
    });
    expect(resolveLimit({ kind: 'none' }, { now, bufferSeconds: 60, hits: 2 })).toEqual({
      reset: null,
      how: 'backoff',
      retryAt: '2026-03-28T00:30:00.000Z',
      backoffSeconds: 1800,
    });
    expect(resolveLimit({ kind: 'unix', seconds: 1700000000 }, { now, bufferSeconds: 60, hits: 1 }).how).toBe(
      'backoff',
    );
  });

  it('zonedInstant and shortTime', () => {
    expect(zonedInstant(2026, 12, 31, 23, 30, 'Pacific/Auckland').toISOString()).toBe(
      '2026-12-31T10:30:00.000Z',
    );
    const now = new Date('2026-12-07T10:00:00Z');
    expect(shortTime('2026-12-07T15:31:00Z', now, 'UTC')).toBe('15:31');
    expect(shortTime('2026-12-08T01:02:00Z', now, 'UTC')).toBe('Dec 8 01:02');
  });

  it('an agent is waiting before its retryAt, due after it, probing once a probe started', () => {
    const limit = {
      agent: 'claude',
      retryAt: '2026-03-28T01:00:00Z',
      reset: null,
      slug: 'a',
      at: 't',
      probe: null,
    };
    expect(agentLimitState(null, new Date('2026-03-28T00:00:00Z'))).toEqual({ kind: 'free' });
    expect(agentLimitState(limit, new Date('2026-03-28T00:00:00Z'))).toEqual({
      kind: 'waiting',
      until: limit.retryAt,
    });
    expect(agentLimitState(limit, new Date('2026-03-28T02:00:00Z'))).toEqual({ kind: 'due' });
    expect(
      agentLimitState({ ...limit, probe: { slug: 'b', at: 't' } }, new Date('2026-03-28T02:00:00Z')),
    ).toEqual({
      kind: 'probing',
      slug: 'b',
    });
  });
});

describe('limitPattern', () => {
  it('a reset group holds a time, an in group seconds; no group is a backoff', () => {
    const now = new Date('2026-03-28T00:00:00Z');
    const m1 = matchLimitPattern(/quota exhausted until (?<reset>\d+:\d+)/i, 'quota exhausted until 04:30');
    expect(m1 && resolveReset(m1.reset, now, 'UTC')?.at.toISOString()).toBe('2026-03-28T04:30:00.000Z');
    const m2 = matchLimitPattern(/retry after (?<in>\d+) s/i, 'rate: retry after 120 s');
    expect(m2?.reset).toEqual({ kind: 'in', seconds: 120 });
    expect(matchLimitPattern(/out of credits/i, 'out of credits!')?.reset).toEqual({ kind: 'none' });
    expect(matchLimitPattern(/out of credits/i, 'all good')).toBeNull();
  });
});

describe('the parsers report a limit only on a run that failed', () => {
  const feed = (parser: ReturnType<typeof createClaudeParser>, lines: unknown[]) =>
    lines.flatMap((l) => parser.line(typeof l === 'string' ? l : JSON.stringify(l)));

  it('claude: the synthetic reply is not progress; the failed result carries the limit', () => {
    const p = createClaudeParser();
    const events = feed(p, [
      { type: 'system', subtype: 'init', session_id: 's-1' },
      {
        type: 'assistant',
        session_id: 's-1',
        message: {
          model: '<synthetic>',
          role: 'assistant',
          content: [{ type: 'text', text: 'Claude AI usage limit reached|1749924000' }],
        },
      },
      {
        type: 'result',
        subtype: 'success',
        is_error: true,
        result: 'Claude AI usage limit reached|1749924000',
        session_id: 's-1',
      },
    ]);
    expect(events.some((e) => e.type === 'progress')).toBe(false);
    const out = p.finish({ code: 1, signal: null });
    expect(out.ok).toBe(false);
    expect(out.sessionId).toBe('s-1');
    expect(out.limit?.reset).toEqual({ kind: 'unix', seconds: 1749924000 });
  });

  it('claude: a failed result with API status 429 and a synthetic "hit your limit" reply', () => {
    const p = createClaudeParser();
    feed(p, [
      { type: 'system', subtype: 'init', session_id: 's-2' },
      {
        type: 'assistant',
        error: 'rate_limit',
        message: { content: [{ type: 'text', text: "You've hit your limit · resets 3pm (UTC)" }] },
      },
      { type: 'result', is_error: true, api_error_status: 429, result: '', session_id: 's-2' },
    ]);
    expect(p.finish({ code: 1, signal: null }).limit?.reset).toMatchObject({ kind: 'clock', hour: 15 });
  });

  it('claude: talk of limits in a run that ends well is no limit', () => {
    const p = createClaudeParser();
    feed(p, [
      {
        type: 'assistant',
        message: { content: [{ type: 'text', text: "You've hit your limit · resets 3pm" }] },
      },
      { type: 'result', is_error: false, result: 'done', session_id: 's-3' },
    ]);
    expect(p.finish({ code: 0, signal: null }).limit ?? null).toBeNull();
  });

  it('codex: a failed turn whose message is the raw usage_limit_reached error keeps its resets_at', () => {
    const p = createCodexParser();
    const raw = JSON.stringify({
      error: {
        type: 'usage_limit_reached',
        message: 'The usage limit has been reached',
        resets_at: 1775317531,
      },
    });
    feed(p, [
      { type: 'thread.started', thread_id: 't-1' },
      { type: 'turn.started' },
      { type: 'error', message: raw },
      { type: 'turn.failed', error: { message: raw } },
    ]);
    const out = p.finish({ code: 1, signal: null });
    expect(out.error).toBe('The usage limit has been reached');
    expect(out.limit?.reset).toEqual({ kind: 'unix', seconds: 1775317531 });
  });

  it('codex: "You\'ve hit your usage limit" on an error event, then the process ends without a turn verdict', () => {
    const p = createCodexParser();
    feed(p, [
      { type: 'thread.started', thread_id: 't-2' },
      {
        type: 'error',
        message: "You've hit your usage limit. Upgrade to Pro or try again in 5 hours 3 minutes.",
      },
    ]);
    const out = p.finish({ code: 1, signal: null });
    expect(out.limit?.reset).toEqual({ kind: 'in', seconds: 5 * 3600 + 180 });
    const ok = createCodexParser();
    feed(ok, [{ type: 'turn.completed' }]);
    expect(ok.finish({ code: 0, signal: null }).limit ?? null).toBeNull();
  });
});
