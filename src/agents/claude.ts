/**
 * The Claude Code preset: `claude -p ... --output-format stream-json --verbose`.
 *
 * The prompt goes last, after `--`: Claude's option parser takes a prompt that starts with `-`
 * (a task body like "- fix the login bug") for an unknown option and exits 1.
 *
 * Where the prompt travels:
 * - liveInput: on stdin as stream-json (`--input-format stream-json`), never in argv (Claude
 *   ignores an argv prompt in that mode); steer messages follow on the same stdin;
 * - otherwise, a prompt too large for one argv element goes on stdin as plain text: `claude -p`
 *   with no prompt argument reads the prompt from stdin (checked with 2.1.197, 300 KB, new and
 *   resumed sessions);
 * - otherwise in argv.
 */
import type { PresetAgentConfig } from '../config/types.js';
import { createClaudeParser } from './claude-parser.js';
import { promptTooLargeForArgv, requireSessionId } from './common.js';
import type { AgentDriver, RunContext, StdinPlan } from './types.js';

/** The stream-json stdin line that carries one user message. */
export function claudeInputLine(text: string): string {
  return `${JSON.stringify({ type: 'user', message: { role: 'user', content: text } })}\n`;
}

/** A driver for a `preset: claude` agent. */
export function claudeDriver(config: PresetAgentConfig): AgentDriver {
  const promptInArgv = (ctx: RunContext): boolean => !config.liveInput && !promptTooLargeForArgv(ctx.prompt);

  return {
    name: config.name,
    preset: 'claude',
    canResume: true,
    liveInput: config.liveInput,

    argv(ctx, mode) {
      const argv = [config.bin, '-p'];
      if (mode === 'resume') argv.push('--resume', requireSessionId(ctx, config.name));
      argv.push('--output-format', 'stream-json', '--verbose');
      // --replay-user-messages echoes each message when Claude takes it in, so the log shows
      // when a steer message actually reached the session.
      if (config.liveInput) argv.push('--input-format', 'stream-json', '--replay-user-messages');
      argv.push(...config.args);
      if (promptInArgv(ctx)) argv.push('--', ctx.prompt);
      return argv;
    },

    stdin(ctx): StdinPlan {
      if (config.liveInput) return { kind: 'messages', first: claudeInputLine(ctx.prompt) };
      if (!promptInArgv(ctx)) return { kind: 'text', text: ctx.prompt };
      return { kind: 'ignore' };
    },

    inputLine: claudeInputLine,
    createParser: createClaudeParser,
  };
}
