/**
 * The environment an agent runs in: the worker's own, without the git variables that would
 * point the agent's git at another repository (GIT_REPO_VARS), plus the agent's configured
 * extras and the BATON_* variables that tell it (and its start trampoline) which run it is.
 */
import { withoutRepoVars } from '../git/env.js';
import type { Assignment } from '../domain/assignment.js';

/** What names one agent run in its environment. */
export interface AgentRunVars {
  promptFile: string;
  historyFile: string;
  /** The session the run resumes; null: a new session (BATON_SESSION_ID is then unset). */
  sessionId: string | null;
}

/**
 * The agent's environment for one run. BATON_RUN_ID is also how a later worker recognises this
 * agent if it outlives its worker (orphans.ts), so it is always set.
 */
export function agentEnv(
  a: Assignment,
  run: AgentRunVars,
  extra: Record<string, string>,
): Record<string, string> {
  // The agent's own git must act on its worktree, not on a repository named by a hook's GIT_DIR.
  const env = withoutRepoVars(process.env);
  Object.assign(env, extra, {
    BATON_SLUG: a.slug,
    BATON_RUN_ID: a.runId,
    BATON_WORKTREE: a.worktree,
    BATON_PROMPT_FILE: run.promptFile,
    BATON_HISTORY_FILE: run.historyFile,
  });
  if (run.sessionId) env.BATON_SESSION_ID = run.sessionId;
  else delete env.BATON_SESSION_ID;
  return env;
}
