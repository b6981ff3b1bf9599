/**
 * Parser for Claude Code's `--output-format stream-json --verbose` output (recorded shapes in
 * test/fixtures/samples). The `result` line is the verdict, read from `is_error` alone: Claude
 * reports `"subtype":"success"` with `"is_error":true` when it is not logged in.
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

/** What Claude says when `--resume` names a session it does not have (here, for this cwd). */
export const CLAUDE_SESSION_NOT_FOUND = /No conversation found with session ID/i;

/** The text Claude writes as a user message when SIGINT stops a turn. */
const INTERRUPTED = /^\[Request interrupted by user[^\]]*\]/;

type Verdict = { ok: boolean; error: string | null; sessionNotFound: boolean; limit?: LimitNotice | null };

/** A parser for one Claude run. */
export function createClaudeParser(): OutputParser {
  const sessions = new SessionTracker();
  let verdict: Verdict | null = null;
  // SIGINT ends the turn with a result whose only error is an internal diagnostic; the user
  // message just before it says what happened in words.
  let interrupted: string | null = null;
  let stderrError: string | null = null;
  let stderrSessionNotFound = false;
  /** A usage limit Claude reported outside the result (its synthetic reply, stderr). */
  let saidLimit: LimitNotice | null = null;

  function onStderr(text: string): AgentEvent[] {
    if (CLAUDE_SESSION_NOT_FOUND.test(text)) stderrSessionNotFound = true;
    saidLimit = detectLimit(text) ?? saidLimit;
    if (looksLikeError(text)) stderrError = brief(text, 500);
    return text.trim() === '' ? [] : [{ type: 'noise' }];
  }

  function onResult(obj: Record<string, unknown>): AgentEvent[] {
    const ok = obj.is_error === false;
    const errors = Array.isArray(obj.errors) ? obj.errors.filter((e) => typeof e === 'string') : [];
    const said = [nonEmptyString(obj.result), ...errors].join(' ');
    const sessionNotFound = !ok && CLAUDE_SESSION_NOT_FOUND.test(said);
    let error: string | null = null;
    if (!ok) {
      error =
        interrupted ??
        nonEmptyString(obj.result) ??
        (errors.length > 0 ? errors.join('; ') : null) ??
        `result ${String(obj.subtype ?? 'without subtype')} with is_error ${String(obj.is_error)}`;
    }
    // A limit is read from the failed result's words, else from an API status 429, else from
    // what Claude said before the result (its synthetic reply).
    const limit = ok
      ? null
      : bestLimit([
          detectLimit(said),
          saidLimit,
          obj.api_error_status === 429
            ? { raw: brief(said || 'API status 429', 500), reset: { kind: 'none' } }
            : null,
        ]);
    verdict = { ok, error, sessionNotFound, ...(limit === null ? {} : { limit }) };
    // The id in a "no conversation found" result is the one that does not exist: never report it.
    const events = sessionNotFound ? [] : sessions.see(nonEmptyString(obj.session_id));
    return [...events, { type: 'result', ...verdict }];
  }

  function classify(obj: Record<string, unknown>): AgentEvent[] {
    switch (obj.type) {
      case 'system':
        if (obj.subtype === 'init') {
          // In stream-json input mode each new user turn starts with a fresh init line.
          verdict = null;
          interrupted = null;
          saidLimit = null;
        }
        return [{ type: 'noise' }];
      case 'assistant': {
        const limit = syntheticLimit(obj);
        if (limit !== null) {
          saidLimit = limit; // Claude's stand-in reply saying the account is out of quota: not work
          return [{ type: 'noise' }];
        }
        const what = assistantWork(obj);
        if (what === null) return [{ type: 'noise' }];
        verdict = null; // work after a result means a new turn is under way
        return [{ type: 'progress', what }];
      }
      case 'user': {
        const content = isRecord(obj.message) ? obj.message.content : undefined;
        if (Array.isArray(content) && content.some((c) => isRecord(c) && c.type === 'tool_result')) {
          verdict = null;
          return [{ type: 'progress', what: 'tool_result' }];
        }
        const text = userText(content);
        const match = text === null ? null : INTERRUPTED.exec(text);
        if (match !== null) interrupted = match[0].slice(1, -1);
        // Replayed prompts and steer messages are ours, not the agent's work.
        return [{ type: 'noise' }];
      }
      default:
        // api_retry, task_* notifications, stream_event partials, control messages...
        return [{ type: 'noise' }];
    }
  }

  return {
    line(text: string, stream: OutputStream = 'stdout'): AgentEvent[] {
      if (stream === 'stderr') return onStderr(text);
      const obj = parseJsonObject(text);
      if (obj === null) return text.trim() === '' ? [] : [{ type: 'noise' }];
      if (obj.type === 'result') return onResult(obj);
      return [...sessions.see(nonEmptyString(obj.session_id)), ...classify(obj)];
    },

    finish(exit): RunOutcome {
      const base = { sessionId: sessions.current, exitCode: exit.code, signal: exit.signal };
      if (verdict !== null) return { ...verdict, ...base };
      const ok = exit.code === 0 && exit.signal === null;
      const error = ok
        ? null
        : `${describeExit(exit)} (no result line)${stderrError === null ? '' : `: ${stderrError}`}`;
      const limit = ok || saidLimit === null ? {} : { limit: saidLimit };
      return { ok, error, sessionNotFound: stderrSessionNotFound, ...limit, ...base };
    },
  };
}

/**
 * What an assistant line shows of real work, or null. A line carrying `error` is Claude's
 * synthetic stand-in for a reply it could not get (e.g. `authentication_failed`): not work.
 */
function assistantWork(obj: Record<string, unknown>): string | null {
  if (obj.error !== undefined && obj.error !== null) return null;
  const content = isRecord(obj.message) ? obj.message.content : undefined;
  if (!Array.isArray(content)) return null;
  for (const block of content) {
    if (isRecord(block) && block.type === 'tool_use') return `tool_use ${String(block.name ?? '')}`.trim();
  }
  for (const block of content) {
    if (!isRecord(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string' && block.text.trim() !== '') {
      return `assistant: ${brief(block.text, 80)}`;
    }
    if (block.type === 'thinking') return 'thinking';
  }
  return null;
}

/** The first notice that names a reset, else the first at all. */
function bestLimit(notices: (LimitNotice | null)[]): LimitNotice | null {
  const found = notices.filter((n) => n !== null);
  return found.find((n) => n.reset.kind !== 'none') ?? found[0] ?? null;
}

/**
 * The usage limit a synthetic assistant line reports (Claude writes its stand-in reply as an
 * assistant message of model `<synthetic>`, or one carrying `error`), or null.
 */
function syntheticLimit(obj: Record<string, unknown>): LimitNotice | null {
  const message = isRecord(obj.message) ? obj.message : null;
  const synthetic = (obj.error !== undefined && obj.error !== null) || message?.model === '<synthetic>';
  if (!synthetic || !Array.isArray(message?.content)) return null;
  const text = message.content
    .filter(isRecord)
    .flatMap((c) => (typeof c.text === 'string' ? [c.text] : []))
    .join('\n');
  return text === '' ? null : detectLimit(text);
}

/** The text of a user message, whether content is a string or text blocks. */
function userText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const texts = content.filter(isRecord).flatMap((c) => (typeof c.text === 'string' ? [c.text] : []));
  return texts.length > 0 ? texts.join('\n') : null;
}
