/**
 * The throwaway world `baton demo` runs in: a temp folder holding a git repository with one
 * commit, a HOME of its own (so the user's git config, hooks path and identity stay out of it),
 * and the real baton CLI run as child processes from this package's dist folder.
 */
import { mkdtempSync, promises as fs, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initRepoWithCommit } from '../git/commits.js';
import { gitDirOf } from '../git/repo.js';
import { run as runProcess } from '../proc/exec.js';
import { killProcessGroup, waitForExit } from '../proc/identity.js';
import { readHistory } from '../store/history.js';
import { inspectLock } from '../store/lock.js';
import { repoPaths, taskPaths } from '../store/paths.js';
import type { HistoryEvent } from '../domain/history.js';
import type { TaskStatus } from '../domain/types.js';

/** What a child process printed and how it ended. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** The demo's temp folder and the ways to act in it. */
export interface Sandbox {
  /** The temp folder (removed at the end unless kept). */
  base: string;
  /** The demo repository's main worktree. */
  repo: string;
  /** The demo agent's script, run with this Node. */
  agentScript: string;
  /** The demo agent's session folder. */
  agentHome: string;
  /** The environment baton and git run with in the demo (pass it to src/git/ as `baseEnv`). */
  env: Record<string, string>;
  baton(args: string[]): Promise<Ran>;
  status(slug: string): TaskStatus | null;
  history(slug: string): Promise<HistoryEvent[]>;
}

/** The variables a worker gives its agent: inherited by a demo run inside a task, they would mislead it. */
const AGENT_VARS = [
  'BATON_SLUG',
  'BATON_RUN_ID',
  'BATON_WORKTREE',
  'BATON_PROMPT_FILE',
  'BATON_HISTORY_FILE',
  'BATON_SESSION_ID',
  'BATON_ALLOW',
];

function distFile(rel: string): string {
  return fileURLToPath(new URL(rel, import.meta.url));
}

/** Creates the temp folder, its HOME and a repository with one commit on `main`. */
export async function makeSandbox(): Promise<Sandbox> {
  const base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-demo-')));
  const repo = path.join(base, 'repo');
  const home = path.join(base, 'home');
  const agentHome = path.join(base, 'agent-sessions');
  await Promise.all([fs.mkdir(repo), fs.mkdir(home), fs.mkdir(agentHome)]);
  await fs.writeFile(
    path.join(home, '.gitconfig'),
    '[user]\n\tname = baton demo\n\temail = demo@baton.invalid\n[commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n',
  );
  // Every GIT_* goes, not only GIT_REPO_VARS: the demo must not see the user's identity,
  // editor or config either (its HOME has its own .gitconfig).
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !AGENT_VARS.includes(k) && !k.startsWith('GIT_')) env[k] = v;
  }
  Object.assign(env, { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), GIT_CONFIG_NOSYSTEM: '1' });
  // The tour prints baton's output behind a 5-column margin (`   │ `): tables fit what is left.
  env.COLUMNS = String(Math.max(40, (process.stdout.columns || 80) - 5));
  const cli = distFile('../cli/main.js');
  const box: Sandbox = {
    base,
    repo,
    agentScript: distFile('./demo-agent.js'),
    agentHome,
    env,
    baton: (args) => run(process.execPath, [cli, ...args], repo, env),
    status(slug) {
      try {
        return JSON.parse(readFileSync(taskPaths(repoPaths(repo), slug).statusFile, 'utf8')) as TaskStatus;
      } catch {
        return null; // not written yet, or being replaced
      }
    },
    async history(slug) {
      return (await readHistory(taskPaths(repoPaths(repo), slug).historyFile)).events;
    },
  };
  await initRepoWithCommit(repo, 'main', 'A first commit', { baseEnv: env });
  return box;
}

/** Runs a program to its end with stdin closed (an open stdin makes agent CLIs wait). */
export async function run(
  file: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<Ran> {
  const r = await runProcess(file, args, { cwd, env });
  return {
    code: r.code,
    stdout: r.stdout,
    stderr: r.failure === 'not-found' ? `${r.stderr}${r.message}\n` : r.stderr,
  };
}

/**
 * Polls `probe` every 50 ms until it returns something, or throws naming `what` after
 * `timeoutMs`, or as soon as `signal` aborts.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | null | undefined | false,
  timeoutMs = 30_000,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const v = probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Ends whatever still runs in the sandbox's task worktrees: each live lock holder (a worker)
 * and the agent it names, found by their recorded identity so that a reused pid is never hit.
 * Only needed after a failed or interrupted tour; a finished one leaves nothing running.
 */
export async function endLeftovers(box: Sandbox): Promise<void> {
  const worktrees = path.join(box.base, `${path.basename(box.repo)}.worktrees`);
  const slugs = await fs.readdir(worktrees).catch(() => [] as string[]);
  for (const slug of slugs) {
    const gitDir = await gitDirOf(path.join(worktrees, slug)).catch(() => null);
    if (gitDir === null) continue;
    const lock = await inspectLock(path.join(gitDir, 'baton.lock'));
    if (!lock.live || lock.record === null) continue;
    const { holder, agent } = lock.record;
    if (agent !== null) {
      try {
        killProcessGroup(agent.pid, 'SIGKILL');
      } catch {
        // gone, or not a group leader any more
      }
    }
    try {
      process.kill(holder.pid, 'SIGKILL');
    } catch {
      // gone
    }
    await waitForExit(holder, 5_000);
    if (agent !== null) await waitForExit(agent, 5_000);
  }
}

/** Removes the sandbox folder. */
export async function removeSandbox(box: Sandbox): Promise<void> {
  await fs.rm(box.base, { recursive: true, force: true });
}
