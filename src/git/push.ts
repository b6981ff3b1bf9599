/**
 * Pushing a task branch for its pull request (`baton pr`): whether the remote exists, and
 * `git push -u <remote> <branch>`. A refused push comes back as its first line of git's words.
 */
import { GitCommandError, git } from './run.js';

/** The remotes the repository has (`git remote`). */
export async function listRemotes(dir: string): Promise<string[]> {
  const out = await git(dir).raw(['remote']);
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** What a push did: ok, or refused with what git said. */
export type PushResult = { ok: true } | { ok: false; said: string };

/**
 * `git push -u <remote> <branch>`: pushes the branch and sets its upstream. Never prompts for a
 * password (GIT_TERMINAL_PROMPT=0: a watcher has no terminal to ask on).
 */
export async function pushBranch(dir: string, remote: string, branch: string): Promise<PushResult> {
  try {
    await git(dir, { env: { GIT_TERMINAL_PROMPT: '0' } }).raw([
      'push',
      '-u',
      remote,
      `refs/heads/${branch}:refs/heads/${branch}`,
    ]);
    return { ok: true };
  } catch (err) {
    const said = err instanceof GitCommandError ? err.stderr || err.message : String(err);
    const lines = said.split('\n').map((l) => l.trim());
    // git's own reason says most: "! [rejected] ... (fetch first)", "! [remote rejected] ...
    // (pre-receive hook declined)", then "fatal: ..." (no such remote, no access).
    const best =
      lines.find((l) => l.startsWith('! [')) ??
      lines.find((l) => /^(fatal|error):/.test(l)) ??
      lines.find((l) => l !== '') ??
      said;
    return { ok: false, said: best };
  }
}

/** Commits on `branch` that `base` does not have (0 when either is missing). */
export async function commitsAhead(dir: string, branch: string, base: string): Promise<number> {
  const r = await git(dir).exit(
    ['rev-list', '--count', `refs/heads/${branch}`, '--not', `refs/heads/${base}`, '--'],
    [128],
  );
  const n = Number.parseInt(r.stdout.trim(), 10);
  return r.exitCode === 0 && !Number.isNaN(n) ? n : 0;
}
