/**
 * The `notify:` section of baton.yaml: a list of notifiers, each run on the events it names with
 * a JSON event on stdin (domain/notify.ts). Pure.
 *
 *   notify:
 *     - command: [notify-send, "baton: {slug}", "{detail}"]   # argv, never through a shell
 *       events: [failed, stalled]                            # default: every event
 *       timeoutSeconds: 10                                   # default 10
 *     - sh: 'curl -fsS -d "$BATON_DETAIL" ntfy.sh/my-topic'  # sh -c, when asked for
 */
import {
  DEFAULT_NOTIFY_TIMEOUT_SECONDS,
  isNotifyEvent,
  NOTIFY_EVENTS,
  type NotifierConfig,
  type NotifyEvent,
} from '../domain/notify.js';
import { didYouMean } from '../domain/suggest.js';
import { describeValue, isRecord } from '../domain/yaml.js';
import { problemAt, type ConfigContext } from './agents.js';
import { warnUnknownKeys } from './section.js';

const KEYS = ['command', 'sh', 'events', 'timeoutSeconds'];

/**
 * Parses the value of `notify` (null: not set, no notifiers). A bad notifier is an error and is
 * left out; an unknown key in one is a warning.
 */
export function parseNotify(v: unknown, ctx: ConfigContext): NotifierConfig[] {
  if (v === null) return [];
  if (!Array.isArray(v)) {
    ctx.errors.push(
      problemAt(
        ctx,
        ['notify'],
        `notify must be a list of notifiers (like "- command: [notify-send, baton, '{detail}']"), found ${describeValue(v)}`,
      ),
    );
    return [];
  }
  const out: NotifierConfig[] = [];
  for (const [i, entry] of v.entries()) {
    const notifier = parseNotifier(entry, `notify[${i}]`, ['notify', String(i)], ctx);
    if (notifier !== null) out.push(notifier);
  }
  return out;
}

function parseNotifier(
  entry: unknown,
  name: string,
  at: string[],
  ctx: ConfigContext,
): NotifierConfig | null {
  const error = (key: string | null, message: string): null => {
    ctx.errors.push(problemAt(ctx, key === null ? at : [...at, key], message));
    return null;
  };
  if (!isRecord(entry)) {
    return error(
      null,
      `${name} must be a mapping with "command" (an argv list) or "sh" (a command line), found ${describeValue(entry)}`,
    );
  }
  warnUnknownKeys(entry, ctx, at, KEYS, name);
  const has = (key: string): boolean => Object.hasOwn(entry, key) && entry[key] !== null;
  if (has('command') === has('sh')) {
    return error(
      null,
      has('command')
        ? `${name} has both "command" and "sh": keep one (command runs an argv without a shell, sh runs a command line with sh -c)`
        : `${name} needs "command" (an argv list, run without a shell) or "sh" (a command line run by sh -c)`,
    );
  }
  let command: string[] | null = null;
  let sh: string | null = null;
  if (has('command')) {
    const c = entry['command'];
    if (
      !Array.isArray(c) ||
      c.length === 0 ||
      !c.every((a) => typeof a === 'string' || typeof a === 'number')
    ) {
      return error(
        'command',
        `${name}.command must be a non-empty list of arguments (like [notify-send, baton, "{detail}"]), found ${describeValue(c)}`,
      );
    }
    command = c.map(String);
    if (command[0] === '') return error('command', `${name}.command must start with a program, found ""`);
  } else {
    const s = entry['sh'];
    if (typeof s !== 'string' || s.trim() === '')
      return error('sh', `${name}.sh must be a command line for sh -c, found ${describeValue(s)}`);
    sh = s;
  }
  const events = parseEvents(has('events') ? entry['events'] : null, name, at, ctx);
  if (events === null) return null;
  let timeoutSeconds = DEFAULT_NOTIFY_TIMEOUT_SECONDS;
  if (has('timeoutSeconds')) {
    const t = entry['timeoutSeconds'];
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
      return error(
        'timeoutSeconds',
        `${name}.timeoutSeconds must be a number of seconds greater than 0, found ${describeValue(t)}`,
      );
    }
    timeoutSeconds = t;
  }
  return { command, sh, events, timeoutSeconds };
}

function parseEvents(v: unknown, name: string, at: string[], ctx: ConfigContext): NotifyEvent[] | null {
  if (v === null) return [...NOTIFY_EVENTS];
  const list = typeof v === 'string' ? [v] : v;
  const known = `one of ${NOTIFY_EVENTS.join(', ')}`;
  if (!Array.isArray(list) || list.length === 0) {
    ctx.errors.push(
      problemAt(
        ctx,
        [...at, 'events'],
        `${name}.events must be a list of events (${known}; leave it out for all), found ${describeValue(v)}`,
      ),
    );
    return null;
  }
  const out: NotifyEvent[] = [];
  for (const e of list as unknown[]) {
    if (!isNotifyEvent(e)) {
      const guess = typeof e === 'string' ? didYouMean(e, NOTIFY_EVENTS) : '';
      ctx.errors.push(
        problemAt(
          ctx,
          [...at, 'events'],
          `${name}.events: ${describeValue(e)} is not an event${guess || `; ${known}`}`,
        ),
      );
      return null;
    }
    if (!out.includes(e)) out.push(e);
  }
  return out;
}
