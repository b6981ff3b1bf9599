/**
 * Checks made before a dispatch starts anything, so a newcomer hears what is wrong at once and
 * in one sentence, rather than from a failed run in `baton status`:
 *
 * - `assertAgentRunnable`: the agent's executable can be found and run, resolved the way the
 *   worker's run will resolve it (absolute path; relative to the repository root when it has a
 *   slash; otherwise on the PATH the agent will get).
 * - `uncommittedBaseWarning`: a new task branch starts from the base branch's last commit, so what is
 *   uncommitted in the main worktree is not in it. Worth a warning, not a failure.
 */
import path from 'node:path';
import { hasPlaceholder } from '../agents/command.js';
import type { AgentConfig } from '../config/types.js';
import { BatonError } from '../domain/errors.js';
import { currentBranch } from '../git/refs.js';
import { statusPorcelain } from '../git/status.js';
import { findExecutable, programPath } from '../proc/executable.js';

export { findExecutable, type ExecutableLookup } from '../proc/executable.js';

/** Options of `assertAgentRunnable`. */
export interface AgentRunnableOptions {
  /**
   * The repository root (the main worktree), against which a relative command with a slash
   * (`./scripts/agent.sh`) is resolved, as the run resolves it. Without it such a command is
   * not checked.
   */
  root?: string;
  /**
   * The directory the agent will run in (the task's worktree, or the repository root before it
   * exists): where an empty PATH entry looks, as execvp does.
   */
  cwd?: string;
}

/** The executable an agent config runs (argv[0] of every run). */
export function agentExecutable(config: AgentConfig): string {
  return config.preset === 'command' ? (config.command[0] ?? '') : config.bin;
}

/**
 * Throws BAD_CONFIG (exit 1) when the agent's executable cannot be run: not on PATH, missing,
 * a directory, or not executable. `env` is the environment the worker will be started with;
 * the agent's own `env` from baton.yaml is laid over it, as the worker does.
 */
export function assertAgentRunnable(
  config: AgentConfig,
  env: NodeJS.ProcessEnv,
  opts: AgentRunnableOptions = {},
): void {
  const command = agentExecutable(config);
  // A program named through a placeholder (`{worktree}/agent.sh`) is known only per run; the run
  // says so when it is missing.
  if (hasPlaceholder(command)) return;
  const key = config.preset === 'command' ? `agents.${config.name}.command` : `agents.${config.name}.bin`;
  const pathVar = config.env.PATH ?? env.PATH ?? '';
  const relative = command.includes('/') && !path.isAbsolute(command);
  if (relative && opts.root === undefined) return;
  const program = opts.root === undefined ? command : programPath(command, opts.root);
  const found = findExecutable(program, pathVar, opts.cwd);
  if (found.ok) return;
  // A relative path is said with what it was resolved against, since the agent runs elsewhere.
  const what = relative
    ? `${key}: ${command} (resolved against the repository root: ${program})`
    : `The ${config.name} agent's command "${command}"`;
  const at = !relative && found.path !== null && found.path !== command ? ` (${found.path})` : '';
  switch (found.reason) {
    case 'not-on-path':
      throw new BatonError('BAD_CONFIG', `${what} is not on PATH.`, { hint: installHint(config, key) });
    case 'missing':
      throw new BatonError('BAD_CONFIG', `${what} does not exist${at}.`, {
        hint: `Fix ${key} in baton.yaml: a path relative to the repository root (with a slash, like ./scripts/agent.sh), an absolute path, or a name on PATH.`,
      });
    case 'directory':
      throw new BatonError('BAD_CONFIG', `${what} is a directory, not a program${at}.`, {
        hint: `Point ${key} in baton.yaml at the program itself.`,
      });
    case 'not-executable':
      throw new BatonError('BAD_CONFIG', `${what} is not executable${at}.`, {
        hint: `Make it executable (\`chmod +x ${found.path ?? command}\`), or fix ${key} in baton.yaml.`,
      });
  }
}

function installHint(config: AgentConfig, key: string): string {
  if (config.preset === 'claude')
    return `Install Claude Code (npm install -g @anthropic-ai/claude-code) or set ${key} in baton.yaml.`;
  if (config.preset === 'codex')
    return `Install Codex (npm install -g @openai/codex) or set ${key} in baton.yaml.`;
  return `Install it, or set ${key} in baton.yaml to its absolute path.`;
}

/**
 * What `baton init` writes or edits in the main worktree: uncommitted changes there are baton's
 * own (or the operator's tasks), which no agent needs in its branch.
 */
const BATON_OWN = ['tasks', 'baton.yaml', '.gitignore'];

/** How many uncommitted paths a warning names before it says "and N more". */
const NAMED_PATHS = 3;

/**
 * A one-sentence warning when a new task branch will start from the branch checked out in the
 * main worktree while that worktree has uncommitted changes (baton's own `tasks/`, `baton.yaml`
 * and `.gitignore` aside); null otherwise. Only for a task branch that does not exist yet (an
 * existing one does not start from the base again); safe to run while the dispatch that creates
 * the branch goes on, since it looks only at the main worktree.
 */
export async function uncommittedBaseWarning(
  root: string,
  taskBranch: string,
  base: string | null,
): Promise<string | null> {
  const checkedOut = await currentBranch(root);
  if (checkedOut === null || (base !== null && base !== checkedOut)) return null;
  const lines = await statusPorcelain(root, {
    pathspecs: ['.', ...BATON_OWN.map((p) => `:(top,exclude)${p}`)],
  }).catch(() => [] as string[]);
  const files = lines.map((l) => l.slice(3));
  if (files.length === 0) return null;
  const named = files.slice(0, NAMED_PATHS).join(', ');
  const more = files.length > NAMED_PATHS ? ` and ${files.length - NAMED_PATHS} more` : '';
  return `the main worktree has uncommitted changes (${named}${more}), and ${taskBranch} starts from ${checkedOut}'s last commit without them: commit them first if the task needs them.`;
}
