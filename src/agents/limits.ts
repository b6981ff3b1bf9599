/**
 * Recognising a usage limit in what an agent wrote (pure; table-tested in test/unit/limits.test.ts
 * on shapes from public reports, 2025–2026). What counts is what Claude Code and Codex print
 * when the account is out of quota, not any mention of a limit: the parsers only ask this about
 * lines that report a failure (a failed result or turn, an error event, stderr), and a run that
 * ends well is never limited.
 *
 * Claude Code: `Claude AI usage limit reached|<unix seconds>`; `Claude usage limit reached. Your
 * limit will reset at 9am (America/Chicago).`; `You've hit your session limit · resets 12:50am
 * (America/Los_Angeles)`; `You've hit your limit · resets Apr 10 at 7am (America/Chicago)`;
 * `Limit reached · resets 11:30am (Asia/Calcutta) · /upgrade …`; `5-hour limit reached ∙ resets
 * 3pm`; an API error `429 {"type":"error","error":{"type":"rate_limit_error",…}}`.
 * Codex: `You've hit your usage limit. Upgrade to Pro (…) or try again in 2 days 17 hours 14
 * minutes.`; `… try again at Apr 28th, 2026 10:03 PM.`; a raw error carrying
 * `{"type":"usage_limit_reached","resets_at":<unix>,"resets_in_seconds":<n>}`; `Quota exceeded.
 * Check your plan and billing details.`
 */
import { BatonError } from '../domain/errors.js';
import { MONTHS, type LimitNotice, type ResetSpec } from '../domain/limits.js';
import { brief } from './common.js';
import type { OutputParser } from './types.js';

/** How long a recorded raw line may be. */
const RAW_MAX = 500;

const CLAUDE_UNIX = /Claude AI usage limit reached\|(\d{9,11})\b/i;
const CLAUDE_WILL_RESET =
  /Claude usage limit reached\b.*?\bYour limit will reset at\s+(.+?)\s*(?:\.(?:\s|$)|$)/i;
/** `You've hit your (session|weekly|…) limit`, `Limit reached`, `5-hour limit reached`, followed by `· resets …`. */
const RESETS =
  /(?:You(?:'|’)ve hit your (?:[\w-]+ )?limit|(?:\b[\w-]+ )?limit reached)\s*[·∙•|,-]?\s*resets\s+(.+?)\s*(?:[·∙•|]|$)/i;
/** `You've hit your usage limit.`: the limit ends the sentence (not `your limit of 10 files`). */
const HIT_LIMIT =
  /You(?:'|’)ve hit your (?:session |usage |weekly |daily |opus |sonnet |)limit(?=\s*(?:[.·∙•|,!]|$))/i;
const CLAUDE_REACHED = /Claude (?:AI )?usage limit reached/i;
const TRY_AGAIN_IN =
  /try again in\s+((?:\d+\s*(?:days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b[\s,]*(?:and\s+)?)+)/i;
const TRY_AGAIN_AT = /try again at\s+(.+?)\s*(?:\.(?:\s|$)|$)/i;
const USAGE_LIMIT_REACHED = /\busage_limit_reached\b/;
const QUOTA_EXCEEDED = /\bQuota exceeded\. Check your plan and billing details\b/i;
const RATE_LIMIT_429 = /\b429\b[\s\S]*\brate_limit_error\b/;

/**
 * The limit `text` reports, or null when it reports none. Call it only on lines that report a
 * failure: it reads the words, not the situation.
 */
export function detectLimit(text: string): LimitNotice | null {
  const raw = brief(text, RAW_MAX);
  const at = (reset: ResetSpec): LimitNotice => ({ raw, reset });
  let m = CLAUDE_UNIX.exec(text);
  if (m?.[1]) return at({ kind: 'unix', seconds: Number(m[1]) });
  if (USAGE_LIMIT_REACHED.test(text)) return at(codexLimitJson(text));
  m = CLAUDE_WILL_RESET.exec(text);
  if (m?.[1]) return at(parseWhen(m[1]) ?? { kind: 'none' });
  m = RESETS.exec(text);
  if (m?.[1]) {
    const when = parseWhen(m[1]);
    if (when !== null) return at(when);
  }
  if (HIT_LIMIT.test(text) || CLAUDE_REACHED.test(text)) {
    const inM = TRY_AGAIN_IN.exec(text);
    const seconds = inM?.[1] ? parseDuration(inM[1]) : null;
    if (seconds !== null) return at({ kind: 'in', seconds });
    const atM = TRY_AGAIN_AT.exec(text);
    const when = atM?.[1] ? parseWhen(atM[1]) : null;
    return at(when ?? { kind: 'none' });
  }
  if (QUOTA_EXCEEDED.test(text) || RATE_LIMIT_429.test(text)) return at({ kind: 'none' });
  return null;
}

/** The reset of a Codex `usage_limit_reached` error: `resets_at` first, then `resets_in_seconds`. */
function codexLimitJson(text: string): ResetSpec {
  const atM = /"resets_at"\s*:\s*(\d{9,11})\b/.exec(text);
  if (atM?.[1]) return { kind: 'unix', seconds: Number(atM[1]) };
  const inM = /"resets_in_seconds"\s*:\s*(\d+)\b/.exec(text);
  if (inM?.[1]) return { kind: 'in', seconds: Number(inM[1]) };
  return { kind: 'none' };
}

const UNIT_SECONDS: [RegExp, number][] = [
  [/^d(ays?)?$/i, 86_400],
  [/^(h|hrs?|hours?)$/i, 3_600],
  [/^(m|mins?|minutes?)$/i, 60],
  [/^(s|secs?|seconds?)$/i, 1],
];

/** `2 days 17 hours 14 minutes`, `5h 3m`, `90 seconds` → seconds; null when nothing is a duration. */
export function parseDuration(text: string): number | null {
  let total = 0;
  let any = false;
  for (const m of text.matchAll(/(\d+)\s*([a-z]+)/gi)) {
    const unit = UNIT_SECONDS.find(([re]) => re.test(m[2] ?? ''));
    if (!unit) return null;
    total += Number(m[1]) * unit[1];
    any = true;
  }
  return any ? total : null;
}

const MONTH_RE = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.?';
/** `[Apr 28th[,] [2026] [at|,]] 10:03 PM|3pm|22:05 [(Zone/Name)]` */
const WHEN = new RegExp(
  `^(?:${MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?(?:\\s+(\\d{4}))?,?\\s+(?:at\\s+)?)?` +
    '(\\d{1,2})(?::(\\d{2}))?\\s*(am|pm|a\\.m\\.|p\\.m\\.)?' +
    '(?:\\s*\\(([A-Za-z_]+(?:/[A-Za-z0-9_+-]+)*|UTC|GMT)\\))?\\s*[.!]?$',
  'i',
);

/**
 * A reset time as the agents write it (`12:50am (America/Los_Angeles)`, `3pm`, `Apr 10 at 7am
 * (America/Chicago)`, `Apr 28th, 2026 10:03 PM`, `22:05`); a bare number of 9–11 digits is unix
 * seconds. Null when it is none of these.
 */
export function parseWhen(text: string): ResetSpec | null {
  const t = text.trim();
  if (/^\d{9,11}$/.test(t)) return { kind: 'unix', seconds: Number(t) };
  const m = WHEN.exec(t);
  if (m === null) return null;
  const [, mon, day, year, h, mi, ampm, zone] = m;
  let hour = Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  if (ampm !== undefined) {
    if (hour < 1 || hour > 12) return null;
    const pm = ampm.toLowerCase().startsWith('p');
    hour = (hour % 12) + (pm ? 12 : 0);
  } else if (mi === undefined) {
    return null; // a bare `3` is not a time
  }
  if (hour > 23 || minute > 59) return null;
  const month = mon === undefined ? null : MONTHS.findIndex((x) => x.toLowerCase() === mon.toLowerCase()) + 1;
  return {
    kind: 'clock',
    hour,
    minute,
    month,
    day: day === undefined ? null : Number(day),
    year: year === undefined ? null : Number(year),
    zone: zone === undefined ? null : zone,
  };
}

/** Compiles an agent's `limitPattern`; a bad one is a config error naming the agent. */
export function compileLimitPattern(agent: string, source: string): RegExp {
  try {
    return new RegExp(source, 'i');
  } catch (err) {
    throw new BatonError('BAD_CONFIG', `agents.${agent}.limitPattern is not a valid regular expression.`, {
      hint: `Fix the pattern (${(err as Error).message}); a named group "reset" may hold the reset time, or "in" the seconds until it.`,
      cause: err,
    });
  }
}

/**
 * The limit an agent's own `limitPattern` finds in `text`: group `reset` holds a time (as
 * {@link parseWhen} reads it, or unix seconds), group `in` seconds (or a duration); neither: a backoff.
 */
export function matchLimitPattern(pattern: RegExp, text: string): LimitNotice | null {
  const m = pattern.exec(text);
  if (m === null) return null;
  const raw = brief(text, RAW_MAX);
  const reset = m.groups?.reset;
  const inText = m.groups?.in;
  if (reset !== undefined) return { raw, reset: parseWhen(reset) ?? { kind: 'none' } };
  if (inText !== undefined) {
    const secs = /^\s*\d+\s*$/.test(inText) ? Number(inText) : parseDuration(inText);
    return { raw, reset: secs === null ? { kind: 'none' } : { kind: 'in', seconds: secs } };
  }
  return { raw, reset: { kind: 'none' } };
}

/**
 * `parser` that also reads every line (stdout and stderr) with the agent's own `limitPattern`:
 * when the run fails and the pattern matched, the run is limited (the pattern's notice first).
 */
export function withLimitPattern(parser: OutputParser, pattern: RegExp): OutputParser {
  let seen: LimitNotice | null = null;
  return {
    line(text, stream) {
      seen = matchLimitPattern(pattern, text) ?? seen;
      return parser.line(text, stream);
    },
    finish(exit) {
      const outcome = parser.finish(exit);
      return outcome.ok || seen === null ? outcome : { ...outcome, limit: seen };
    },
  };
}
