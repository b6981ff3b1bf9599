/**
 * Parser for `codex exec --json` events (recorded shapes in test/fixtures/samples). The turn
 * events decide: Codex can exit 0 on a failed turn and exits 1 on SIGINT. Top-level `error`
 * events are retries ("Reconnecting...") and never progress: offline, Codex prints them forever.
 */
import {
  SessionTracker,
  brief,
  describeExit,
  isRecord,
  looksLikeError,
  nonEmptyString,
  parseJsonObject,
} from './common.js';
import type { LimitNotice } from '../domain/limits.js';
import { detectLimit } from './limits.js';
import type { AgentEvent, OutputParser, OutputStream, RunOutcome } from './types.js';

/**
 * How Codex says the thread to resume does not exist. 0.171 prints, on stderr only,
 * `Error: thread/resume: thread/resume failed: no rollout found for thread id <id>`; the other
 * wordings guard against rephrasing in other versions.
 */
export const CODEX_SESSION_NOT_FOUND = /no (rollout|session|thread|conversation) found/i;

type Verdict = { ok: boolean; error: string | null; sessionNotFound: boolean; limit?: LimitNotice | null };

/** A parser for one Codex run. */
export function createCodexParser(): OutputParser {
  const sessions = new SessionTracker();
  let verdict: Verdict | null = null;
  let lastError: string | null = null;
  let sessionNotFound = false;
  /** The last usage limit an error event or stderr reported (read before the API body is unwrapped). */
  let saidLimit: LimitNotice | null = null;

  function noteError(message: string): void {
    lastError = brief(message, 500);
    if (CODEX_SESSION_NOT_FOUND.test(message)) sessionNotFound = true;
  }

  function classify(obj: Record<string, unknown>): AgentEvent[] {
    switch (obj.type) {
      case 'thread.started':
        // Re-emitted with the same id on resume.
        return [...sessions.see(nonEmptyString(obj.thread_id)), { type: 'noise' }];
      case 'item.started':
      case 'item.updated':
      case 'item.completed': {
        const item = isRecord(obj.item) ? obj.item : {};
        // An `error` item is a warning ("Falling back from WebSockets to HTTPS..."), not work.
        if (item.type === 'error' || typeof item.type !== 'string') return [{ type: 'noise' }];
        return [{ type: 'progress', what: `${obj.type} ${item.type}` }];
      }
      case 'turn.completed':
        verdict = { ok: true, error: null, sessionNotFound: false };
        return [
          { type: 'progress', what: 'turn.completed' },
          { type: 'result', ...verdict },
        ];
      case 'turn.failed': {
        const said = isRecord(obj.error) ? nonEmptyString(obj.error.message) : null;
        const error = unwrapApiError(said) ?? 'turn failed';
        const limit = (said === null ? null : detectLimit(said)) ?? saidLimit;
        verdict = {
          ok: false,
          error,
          sessionNotFound: CODEX_SESSION_NOT_FOUND.test(error),
          ...(limit === null ? {} : { limit }),
        };
        return [{ type: 'result', ...verdict }];
      }
      case 'error': {
        const said = nonEmptyString(obj.message);
        if (said !== null) saidLimit = detectLimit(said) ?? saidLimit;
        const message = unwrapApiError(said);
        if (message !== null) noteError(message);
        return [{ type: 'noise' }];
      }
      default:
        // turn.started and anything newer we do not know: not work by itself.
        return [{ type: 'noise' }];
    }
  }

  return {
    line(text: string, stream: OutputStream = 'stdout'): AgentEvent[] {
      if (text.trim() === '') return [];
      if (stream === 'stderr') {
        // stderr also carries tracing lines (`... ERROR codex_api::...`) on every retry; only a
        // final `Error: ...` report is kept.
        if (looksLikeError(text)) noteError(text.trim());
        saidLimit = detectLimit(text) ?? saidLimit;
        return [{ type: 'noise' }];
      }
      const obj = parseJsonObject(text);
      return obj === null ? [{ type: 'noise' }] : classify(obj);
    },

    finish(exit): RunOutcome {
      const base = { sessionId: sessions.current, exitCode: exit.code, signal: exit.signal };
      if (verdict !== null) return { ...verdict, ...base };
      // No turn verdict means the run did not finish its turn, whatever the exit code says.
      const how = `${describeExit(exit)} before the turn completed`;
      return {
        ok: false,
        error: lastError === null ? how : `${lastError} (${how})`,
        sessionNotFound,
        ...(saidLimit === null ? {} : { limit: saidLimit }),
        ...base,
      };
    },
  };
}

/** Codex passes an API error body through as its message: `{"error":{"message":"..."}}` → the inner message. */
function unwrapApiError(message: string | null): string | null {
  if (message === null || !message.startsWith('{')) return message;
  const body = parseJsonObject(message);
  const inner = body !== null && isRecord(body.error) ? nonEmptyString(body.error.message) : null;
  return inner ?? message;
}
