/**
 * When the forge is not there (docs/design.md, "Pull requests"): what a failed call of its CLI
 * means, the one sentence a person is told with what to do, and how long a poll backs off. Pure.
 */

/** Why the forge could not be reached (or would not do it). */
export type ForgeProblemKind =
  'missing' | 'auth' | 'rate_limited' | 'no_remote' | 'push_refused' | 'timeout' | 'failed';

/** What a failed forge command gave: how it failed, its exit code and what it said. */
export interface ForgeFailure {
  failure: 'not-found' | 'exit' | 'signal' | 'timeout' | 'other';
  code: number;
  stderr: string;
  stdout: string;
  /** The program, as a person typed it (`gh`). */
  program: string;
}

/**
 * What a failed `gh` call means. `gh` exits 4 when it needs a login ("To get started with GitHub
 * CLI, please run:  gh auth login"); rate limits say "API rate limit exceeded" (GraphQL and REST)
 * or "secondary rate limit".
 */
export function classifyForgeFailure(f: ForgeFailure): ForgeProblemKind {
  if (f.failure === 'not-found') return 'missing';
  if (f.failure === 'timeout') return 'timeout';
  const said = `${f.stderr}\n${f.stdout}`;
  if (/rate limit/i.test(said)) return 'rate_limited';
  if (f.code === 4 || /gh auth login|authentication|bad credentials|HTTP 401/i.test(said)) return 'auth';
  if (/no git remotes|none of the git remotes|could not determine (the )?base repo/i.test(said))
    return 'no_remote';
  return 'failed';
}

/** One sentence for a forge problem, and what to do about it. */
export function describeForgeProblem(
  kind: ForgeProblemKind,
  f: { program: string; said: string; remote: string },
): { message: string; hint: string } {
  const said = firstLine(f.said);
  switch (kind) {
    case 'missing':
      return {
        message: `${f.program} (the GitHub CLI) is not installed or not on PATH.`,
        hint: "Install it (https://cli.github.com), run `gh auth login`, then try again; or set pr.create/pr.view in baton.yaml to your forge's CLI.",
      };
    case 'auth':
      return {
        message: `${f.program} is not logged in to GitHub.`,
        hint: 'Run `gh auth login` (or set GH_TOKEN in the environment baton runs in), then try again.',
      };
    case 'rate_limited':
      return {
        message: `GitHub's API rate limit is used up${said ? ` (${said})` : ''}.`,
        hint: 'baton tries again later by itself; `gh api rate_limit` shows when the limit resets.',
      };
    case 'no_remote':
      return {
        message: `The repository has no remote "${f.remote}" to push to and open a pull request on.`,
        hint: `Add one (\`git remote add ${f.remote} <url>\`), or set pr.remote in baton.yaml to the remote you use.`,
      };
    case 'push_refused':
      return {
        message: `git push to ${f.remote} was refused${said ? `: ${said}` : ''}.`,
        hint: 'Fix what git says (pull and merge, or check your access), then run `baton pr` again.',
      };
    case 'timeout':
      return {
        message: `${f.program} took longer than pr.timeoutSeconds and was stopped.`,
        hint: 'Check your network; baton tries again later by itself.',
      };
    case 'failed':
      return {
        message: `${f.program} failed${said ? `: ${said}` : ''}.`,
        hint: 'Fix what it says, then try again.',
      };
    default:
      return kind satisfies never;
  }
}

/** Seconds before the next poll after `failures` failed polls in a row: doubling, at most an hour. */
export function backoffSeconds(pollSeconds: number, failures: number): number {
  if (failures <= 0) return pollSeconds;
  return Math.min(pollSeconds * 2 ** Math.min(failures, 16), Math.max(3600, pollSeconds));
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  ).replace(/[.\s]+$/, '');
}
