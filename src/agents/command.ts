/**
 * The generic command preset: argv from templates, session ids from a pattern, the outcome from
 * the exit code (or from Claude/Codex events when `outputFormat` names one).
 *
 * Each template element is one argv element: placeholders are substituted inside it (several
 * may share an element) and nothing is ever split or handed to a shell. Substitution is one
 * pass, so a prompt that contains `{slug}` stays as written. Long prompts belong in
 * `{promptFile}`: an argv element of 128 KiB or more cannot be spawned at all.
 */
import type { CommandAgentConfig } from '../config/types.js';
import { BatonError } from '../domain/errors.js';
import { createClaudeParser } from './claude-parser.js';
import { createCodexParser } from './codex-parser.js';
import { SessionTracker, brief, describeExit, requireSessionId } from './common.js';
import type { AgentDriver, AgentEvent, OutputParser, OutputStream, RunContext, RunOutcome } from './types.js';

const PLACEHOLDER = /\{(prompt|promptFile|sessionId|slug|worktree|runId)\}/g;

/**
 * How a plain command may say that the session to resume is gone. Only read when the run
 * failed, and then the cost of a wrong guess is a fresh session that carries the history.
 */
const SESSION_NOT_FOUND =
  /no (conversation|session|thread|rollout) found|session (id )?not found|unknown session/i;

/** True when `element` holds a placeholder, so its value is known only when a run fills it in. */
export function hasPlaceholder(element: string): boolean {
  return new RegExp(PLACEHOLDER.source).test(element);
}

/** `template` with every placeholder replaced by its value from `ctx` (a null session id is ''). */
export function fillTemplate(template: readonly string[], ctx: RunContext): string[] {
  return template.map((element) =>
    element.replace(PLACEHOLDER, (_match, key: keyof RunContext) => ctx[key] ?? ''),
  );
}

/** Compiles a `sessionIdPattern`; a bad one is a config error naming the agent. */
export function compileSessionIdPattern(agent: string, source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new BatonError(
      'BAD_CONFIG',
      `agents.${agent}.sessionIdPattern is not a valid regular expression.`,
      {
        hint: `Fix the pattern (${(err as Error).message}); its first group must capture the session id.`,
        cause: err,
      },
    );
  }
}

/** A driver for a `preset: command` agent. */
export function commandDriver(config: CommandAgentConfig): AgentDriver {
  const pattern =
    config.sessionIdPattern === null ? null : compileSessionIdPattern(config.name, config.sessionIdPattern);
  const resume = config.resume;

  return {
    name: config.name,
    preset: 'command',
    canResume: resume !== null,
    liveInput: false,

    argv(ctx, mode) {
      if (mode === 'new') return fillTemplate(config.command, ctx);
      if (resume === null) {
        throw new BatonError('INTERNAL', `Agent "${config.name}" has no resume command.`, {
          hint: 'Check canResume before resuming; start a new session instead.',
        });
      }
      requireSessionId(ctx, config.name);
      return fillTemplate(resume, ctx);
    },

    stdin: () => ({ kind: 'ignore' }),

    createParser: () => createCommandParser(pattern, config.outputFormat),
  };
}

/**
 * A parser for a command agent. With `outputFormat` the output is read as that agent's events
 * (and its verdict decides); `pattern` adds session ids from any stdout line either way.
 */
export function createCommandParser(
  pattern: RegExp | null,
  outputFormat: 'claude' | 'codex' | null,
): OutputParser {
  const inner =
    outputFormat === 'claude' ? createClaudeParser() : outputFormat === 'codex' ? createCodexParser() : null;
  const sessions = new SessionTracker();
  let lastStderr: string | null = null;
  let saidSessionNotFound = false;

  function plain(text: string, stream: OutputStream): AgentEvent[] {
    if (stream === 'stderr') lastStderr = brief(text, 500);
    if (SESSION_NOT_FOUND.test(text)) saidSessionNotFound = true;
    // We cannot tell a plain command's work from its noise, so any output counts as progress.
    // A command that loops printing errors looks alive here; the worktree-change check and the
    // agent's exit cover that case.
    return [{ type: 'progress', what: `output: ${brief(text, 80)}` }];
  }

  return {
    line(text: string, stream: OutputStream = 'stdout'): AgentEvent[] {
      if (text.trim() === '') return [];
      const events: AgentEvent[] = [];
      // One tracker over the inner parser's ids and the pattern's, so each id is reported once.
      for (const event of inner === null ? plain(text, stream) : inner.line(text, stream)) {
        if (event.type === 'session') events.push(...sessions.see(event.id));
        else events.push(event);
      }
      if (pattern !== null && stream === 'stdout') {
        const match = pattern.exec(text);
        const id = match === null ? undefined : (match[1] ?? match[0]);
        if (id !== undefined && id !== '') events.unshift(...sessions.see(id));
      }
      return events;
    },

    finish(exit): RunOutcome {
      if (inner !== null) {
        const outcome = inner.finish(exit);
        return { ...outcome, sessionId: sessions.current ?? outcome.sessionId };
      }
      const ok = exit.code === 0 && exit.signal === null;
      return {
        ok,
        error: ok ? null : `${describeExit(exit)}${lastStderr === null ? '' : `: ${lastStderr}`}`,
        sessionNotFound: !ok && saidSessionNotFound,
        sessionId: sessions.current,
        exitCode: exit.code,
        signal: exit.signal,
      };
    },
  };
}
