/**
 * The Codex preset: `codex exec --json [args] [resume <id>] -- <prompt>`.
 *
 * `args` repeat on every run (Codex does not remember flags across a resume) and must come
 * before `resume`: the resume subcommand rejects exec flags after it. The prompt goes after
 * `--` because a prompt starting with `-` is otherwise taken for an option. A prompt too large
 * for argv is passed as `-`, which makes Codex read it from stdin.
 */
import type { PresetAgentConfig } from '../config/types.js';
import { promptTooLargeForArgv, requireSessionId } from './common.js';
import { createCodexParser } from './codex-parser.js';
import type { AgentDriver, StdinPlan } from './types.js';

/** A driver for a `preset: codex` agent. */
export function codexDriver(config: PresetAgentConfig): AgentDriver {
  return {
    name: config.name,
    preset: 'codex',
    canResume: true,
    // Codex exec takes no input while it runs: steer follow-ups are queued.
    liveInput: false,

    argv(ctx, mode) {
      const argv = [config.bin, 'exec', '--json', ...config.args];
      if (mode === 'resume') argv.push('resume', requireSessionId(ctx, config.name));
      if (promptTooLargeForArgv(ctx.prompt)) argv.push('-');
      else argv.push('--', ctx.prompt);
      return argv;
    },

    stdin(ctx): StdinPlan {
      // With a prompt in argv stdin must not be a pipe: Codex appends piped stdin to the prompt.
      return promptTooLargeForArgv(ctx.prompt) ? { kind: 'text', text: ctx.prompt } : { kind: 'ignore' };
    },

    createParser: createCodexParser,
  };
}
