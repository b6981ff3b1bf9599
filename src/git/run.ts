/**
 * The one place baton starts git: simple-git's `raw()`, loaded on first use (it costs ~35 ms to
 * import, and the hooks and the hot paths that never run git must not pay it). Every other file
 * in src/git/ builds its argv and calls this; nothing outside src/git/ builds git argv.
 *
 * The error rule: any non-zero exit is a failure. simple-git on its own fails a command only
 * when it exited non-zero AND wrote to stderr, so `merge-base --is-ancestor`, `rev-parse
 * --verify --quiet` or `config --get` exiting 1 in silence would read as success with empty
 * output. Commands whose exit code is an answer say which codes are answers (`Git.exit`).
 *
 * The one exception to simple-git: a command fed on stdin (`Git.fed`), which simple-git cannot
 * do; it is started by src/proc/exec.ts, as every other process is.
 */
import { withoutRepoVars } from './env.js';

/** A git command that exited non-zero (or could not start). */
export class GitCommandError extends Error {
  /** git's exit code; null when git did not run (no such directory, no git binary). */
  readonly exitCode: number | null;
  /** What git wrote to stderr, as is. */
  readonly stderr: string;
  /** The argv after `git`. */
  readonly args: readonly string[];
  /** What git wrote to stdout before it failed (`merge-tree` prints its answer and exits 1). */
  stdout = '';

  constructor(
    args: readonly string[],
    exitCode: number | null,
    stderr: string,
    detail: string,
    cause?: unknown,
  ) {
    // `git <cmd> failed: <stderr>` is the shape callers put into their own messages.
    super(`git ${args[0] ?? ''} failed: ${stderr.trim() || detail}`, { cause });
    this.name = 'GitCommandError';
    this.exitCode = exitCode;
    this.stderr = stderr;
    this.args = args;
  }
}

/** How git is run: the environment it gets. */
export interface GitOptions {
  /** The environment to start from; process.env when absent. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Set on top of it, after the repository variables are removed. */
  env?: Record<string, string>;
  /**
   * Keep GIT_DIR and the rest of GIT_REPO_VARS: only to ask git where the caller's own
   * environment points (a hook run by hand), never to act on a repository.
   */
  keepRepoVars?: boolean;
  /**
   * Let `config` write core.hooksPath (simple-git refuses it by default): only for the
   * per-worktree hooks folder baton points task worktrees at (worktree-config.ts).
   */
  allowHooksPath?: boolean;
}

/** A command's exit code when that code is one of its answers, and its stdout. */
export interface GitExit {
  exitCode: number;
  stdout: string;
}

/** git in one directory. */
export interface Git {
  /** Runs `git <args>`; resolves to stdout, rejects with a GitCommandError on any non-zero exit. */
  raw(args: readonly string[]): Promise<string>;
  /**
   * Runs `git <args>` where some non-zero exits are answers (`merge-base --is-ancestor` exits 1
   * for "no"): resolves for 0 and for the codes in `answers`, rejects for any other.
   */
  exit(args: readonly string[], answers: readonly number[]): Promise<GitExit>;
  /**
   * `exit`, with `input` written to git's stdin (`merge-tree --stdin`: many merges, one process).
   * simple-git cannot feed a command's stdin, so this one runs through src/proc/exec.ts.
   */
  fed(args: readonly string[], input: string, answers: readonly number[]): Promise<GitExit>;
}

/**
 * simple-git refuses by default to pass on some variables (EDITOR, PAGER, GIT_EXEC_PATH,
 * PREFIX, GIT_SSH_COMMAND...) as a guard against untrusted input. The environment here is the
 * user's own (git sets GIT_EXEC_PATH for every hook), so those categories are allowed; argv
 * is built by src/git/ alone and never carries `-c`, so the argv-side guards stay on.
 */
const ALLOW_ENV = {
  allowUnsafeEditor: true,
  allowUnsafePager: true,
  allowUnsafeAskPass: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeSshCommand: true,
  allowUnsafeGitProxy: true,
  allowUnsafeDiffExternal: true,
  allowUnsafeTemplateDir: true,
} as const;

/** git run in `dir`, with git's repository variables removed from its environment. */
export function git(dir: string, opts: GitOptions = {}): Git {
  const base = opts.baseEnv ?? process.env;
  const env = opts.keepRepoVars ? definedOnly(base) : withoutRepoVars(base);
  Object.assign(env, opts.env);
  const exit = async (args: readonly string[], answers: readonly number[]): Promise<GitExit> => {
    try {
      return { exitCode: 0, stdout: await run(dir, env, args, opts.allowHooksPath === true) };
    } catch (err) {
      if (err instanceof GitCommandError && err.exitCode !== null && answers.includes(err.exitCode))
        return { exitCode: err.exitCode, stdout: err.stdout };
      throw err;
    }
  };
  const fed = async (
    args: readonly string[],
    input: string,
    answers: readonly number[],
  ): Promise<GitExit> => {
    const { run: runProcess } = await import('../proc/exec.js');
    const r = await runProcess('git', args, { cwd: dir, env, input });
    if (r.failure === null || (r.failure === 'exit' && answers.includes(r.code)))
      return { exitCode: r.code, stdout: r.stdout };
    const err = new GitCommandError(args, r.failure === 'exit' ? r.code : null, r.stderr, r.message);
    err.stdout = r.stdout;
    throw err;
  };
  return { raw: (args) => run(dir, env, args, opts.allowHooksPath === true), exit, fed };
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

async function run(
  dir: string,
  env: Record<string, string>,
  args: readonly string[],
  allowHooksPath: boolean,
): Promise<string> {
  const { simpleGit, GitError } = await import('simple-git');
  try {
    // A fresh instance per call: simple-git's instances queue their commands, and baton's
    // callers run independent commands concurrently.
    return await simpleGit({
      baseDir: dir,
      unsafe: allowHooksPath ? { ...ALLOW_ENV, allowUnsafeHooksPath: true } : ALLOW_ENV,
      errors(error, result) {
        if (result.exitCode === 0) return error;
        const stderr = Buffer.concat(result.stdErr).toString('utf8');
        // A GitError comes back from raw() as it is; any other value would be stringified.
        return Object.assign(new GitError(undefined, stderr), {
          exitCode: result.exitCode,
          stderr,
          stdout: Buffer.concat(result.stdOut).toString('utf8'),
          spawnError: error instanceof Error ? error : undefined,
        });
      },
    })
      .env(env)
      .outputHandler((_command, stdout) => {
        // simple-git waits a further 50 ms after 'close' when git printed nothing (its
        // completion plugin), which every quiet command (show-ref --quiet, merge-base
        // --is-ancestor, a clean status, worktree prune) would pay. 'close' already means the
        // output is all in, so one empty chunk, sent once its listeners are on, skips the wait.
        queueMicrotask(() => stdout.emit('data', Buffer.alloc(0)));
      })
      .raw([...args]);
  } catch (err) {
    throw commandError(args, err);
  }
}

function commandError(args: readonly string[], err: unknown): GitCommandError {
  const e = err as {
    exitCode?: unknown;
    stderr?: unknown;
    stdout?: unknown;
    spawnError?: Error;
    message?: unknown;
  };
  const stderr = typeof e.stderr === 'string' ? e.stderr : '';
  // simple-git reports a process that never started (no git binary) with a negative code.
  const exitCode = typeof e.exitCode === 'number' && e.exitCode >= 0 ? e.exitCode : null;
  const detail =
    e.spawnError?.message ??
    (exitCode !== null ? `exit code ${exitCode}, nothing on stderr` : String(e.message ?? err));
  const out = new GitCommandError(args, exitCode, stderr, detail, err);
  if (typeof e.stdout === 'string') out.stdout = e.stdout;
  return out;
}
