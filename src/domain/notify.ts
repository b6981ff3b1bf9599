/**
 * Notifications (docs/reference.md, "Configuration", `notify`): the events a person is told of,
 * which notifiers a given event goes to, and what each notifier is given. Pure: running the
 * notifiers is src/notify/.
 */

/** Every event a notifier can be sent, in the order a task's life meets them. */
export const NOTIFY_EVENTS = [
  'idle',
  'failed',
  'stalled',
  'worker_gone',
  'limited',
  'conflict',
  'pr_opened',
  'checks_failed',
  'pr_merged',
] as const;

/** One of `NOTIFY_EVENTS`. */
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

const EVENTS: ReadonlySet<string> = new Set(NOTIFY_EVENTS);

/** True for the name of an event a notifier can be sent. */
export function isNotifyEvent(v: unknown): v is NotifyEvent {
  return typeof v === 'string' && EVENTS.has(v);
}

/** The task states whose arrival is itself an event (the rest come from other parts of baton). */
const STATE_EVENTS: ReadonlySet<string> = new Set(['idle', 'failed', 'stalled', 'worker_gone', 'limited']);

/**
 * The event a change of state from `from` to `to` is, or null when it is none a person is told
 * of. A state written again (a heartbeat scheduling the retry of a task already `stalled`) is
 * no change: the one who recorded the change told of it.
 */
export function eventForStateChange(from: string | null | undefined, to: string): NotifyEvent | null {
  if (from === to || !STATE_EVENTS.has(to)) return null;
  return to as NotifyEvent;
}

/** One notifier of baton.yaml's `notify:` list, normalised. */
export interface NotifierConfig {
  /** The argv to run, never through a shell; `{event}`-style placeholders are filled in. Null with `sh`. */
  command: string[] | null;
  /** A command line run by `sh -c` (asked for explicitly); no placeholders: it reads `$BATON_*`. */
  sh: string | null;
  /** The events it is sent. */
  events: NotifyEvent[];
  /** Seconds it may run before its process group is killed. */
  timeoutSeconds: number;
}

/** Seconds a notifier may run when baton.yaml does not say. */
export const DEFAULT_NOTIFY_TIMEOUT_SECONDS = 10;

/** The notifiers of `all` that want `event`, each with its place in the list (for messages). */
export function notifiersFor(
  all: readonly NotifierConfig[],
  event: NotifyEvent,
): { index: number; notifier: NotifierConfig }[] {
  return all.flatMap((notifier, index) => (notifier.events.includes(event) ? [{ index, notifier }] : []));
}

/**
 * What a notifier reads on stdin, as JSON. Stable for programs: fields are only ever added.
 * Callers may add more (a PR's `url`, a check's `name`): they are passed through as given.
 */
export interface NotifyPayload {
  event: NotifyEvent;
  slug: string;
  /** The task's state after the event (for PR events, its state then). */
  state: string | null;
  /** When it happened: the `ts` of the history line that recorded it, when there is one. */
  ts: string;
  /** The task's title, or its slug when it has none. */
  title: string;
  /** One sentence for a person: what happened. */
  detail: string;
  runId: string | null;
  branch: string | null;
  worktree: string | null;
  /** The repository root. */
  repo: string;
  /** Who recorded it: `worker`, `heartbeat`, `doctor`, ... */
  by: string | null;
  [extra: string]: unknown;
}

/** The sentence a payload carries when its caller gave none. */
export function defaultDetail(event: NotifyEvent): string {
  switch (event) {
    case 'idle':
      return 'the agent finished its run; the task waits for a review or a follow-up';
    case 'failed':
      return 'the run failed';
    case 'stalled':
      return 'the agent made no progress and was interrupted';
    case 'worker_gone':
      return 'the worker ended without recording an outcome';
    case 'limited':
      return 'the agent hit a usage limit';
    case 'conflict':
      return "the task's changes conflict with another branch";
    case 'pr_opened':
      return 'a pull request was opened';
    case 'checks_failed':
      return 'a check failed on the pull request';
    case 'pr_merged':
      return 'the pull request was merged';
    default:
      return String(event satisfies never);
  }
}

/** The placeholders a `command` argv may hold, each the payload field of its name. */
export const NOTIFY_PLACEHOLDERS = [
  'event',
  'slug',
  'state',
  'title',
  'detail',
  'runId',
  'branch',
  'worktree',
  'repo',
] as const;

/** `argv` with `{event}`, `{slug}`, ... replaced by the payload's values ('' for null). */
export function fillPlaceholders(argv: readonly string[], payload: NotifyPayload): string[] {
  const re = new RegExp(`\\{(${NOTIFY_PLACEHOLDERS.join('|')})\\}`, 'g');
  return argv.map((arg) =>
    arg.replace(re, (_, name: string) => {
      const v = payload[name];
      return v === null || v === undefined ? '' : String(v);
    }),
  );
}

/** The variables a notifier gets on top of the environment it inherits. */
export function notifyVariables(payload: NotifyPayload): Record<string, string> {
  return {
    BATON_EVENT: payload.event,
    BATON_SLUG: payload.slug,
    BATON_STATE: payload.state ?? '',
    BATON_TITLE: payload.title,
    BATON_DETAIL: payload.detail,
    BATON_REPO: payload.repo,
  };
}

/** The argv that runs `notifier` for `payload`. */
export function notifierArgv(notifier: NotifierConfig, payload: NotifyPayload): string[] {
  if (notifier.sh !== null) return ['sh', '-c', notifier.sh];
  return fillPlaceholders(notifier.command ?? [], payload);
}

/** How a notifier is named in notify.log: its place in the list and its program. */
export function notifierName(index: number, notifier: NotifierConfig): string {
  const what =
    notifier.sh !== null
      ? `sh -c ${JSON.stringify(oneLine(notifier.sh, 40))}`
      : (notifier.command?.[0] ?? '');
  return `notify[${index}] (${what})`;
}

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
