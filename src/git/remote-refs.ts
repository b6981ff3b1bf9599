/**
 * Cluster mode's git plumbing (docs/design.md, "Several hosts"): refs under `refs/baton/` on the
 * shared remote, changed only by compare-and-swap. A record is a commit with an empty tree (a
 * claim: its message) or a one-file tree (a follow-up: `followup.md`), made locally with
 * mktree/hash-object/commit-tree and pushed with `--force-with-lease=<ref>:<expected>` (empty
 * expected: the ref must be absent). The remote's ref update is atomic, so of two hosts swapping
 * from the same value exactly one wins. Refs are read with `ls-remote`, objects fetched by id.
 */
import { GitCommandError, git, type Git } from './run.js';

/** The outcome of a swap: done, refused (the ref was not what we expected), or no remote. */
export type SwapResult = { ok: true } | { ok: false; why: 'refused' | 'unreachable'; said: string };

/** A remote ref read: its name and the object it points at. */
export interface RemoteRef {
  ref: string;
  sha: string;
}

/** git with an identity for commit-tree and no password prompt (a watcher has no terminal). */
function g(dir: string, host: string): Git {
  return git(dir, {
    env: {
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'baton',
      GIT_AUTHOR_EMAIL: `baton@${host}`,
      GIT_COMMITTER_NAME: 'baton',
      GIT_COMMITTER_EMAIL: `baton@${host}`,
    },
  });
}

/** Makes a commit with an empty tree and `message`; returns its id. Local only. */
export async function recordCommit(dir: string, host: string, message: string): Promise<string> {
  const r = g(dir, host);
  const tree = (await r.fed(['mktree'], '', [])).stdout.trim();
  return (await r.fed(['commit-tree', tree, '-F', '-'], message, [])).stdout.trim();
}

/** Makes a commit whose tree holds `followup.md` with `text`; returns its id. Local only. */
export async function followupCommit(
  dir: string,
  host: string,
  text: string,
  title: string,
): Promise<string> {
  const r = g(dir, host);
  const blob = (await r.fed(['hash-object', '-w', '--stdin'], text, [])).stdout.trim();
  const tree = (await r.fed(['mktree'], `100644 blob ${blob}\tfollowup.md\n`, [])).stdout.trim();
  return (await r.fed(['commit-tree', tree, '-F', '-'], `${title}\n`, [])).stdout.trim();
}

/**
 * Sets `ref` on `remote` to `sha` (null: deletes it) if it is now `expected` (null: absent).
 * Refused when the remote's ref is something else; unreachable for any other failure.
 */
export async function swapRef(
  dir: string,
  host: string,
  remote: string,
  ref: string,
  sha: string | null,
  expected: string | null,
): Promise<SwapResult> {
  try {
    const out = await g(dir, host).raw([
      'push',
      '--porcelain',
      '--no-verify',
      `--force-with-lease=${ref}:${expected ?? ''}`,
      remote,
      `${sha ?? ''}:${ref}`,
    ]);
    // `=` is "[up to date]": the ref already held this very commit (the same record made twice
    // in one second), so nothing was swapped and the expectation did not hold.
    if (out.split('\n').some((l) => l.startsWith('=\t')))
      return { ok: false, why: 'refused', said: 'up to date' };
    return { ok: true };
  } catch (err) {
    if (!(err instanceof GitCommandError)) throw err;
    const text = `${err.stdout}\n${err.stderr}`;
    // --porcelain prints `!\t<src>:<dst>\t[rejected] (stale info)` and exits 1 when the lease
    // does not hold; a remote that is not there exits 128 with `fatal: ...`.
    const refused = err.exitCode === 1 && /\[(rejected|remote rejected)\]/.test(text);
    return { ok: false, why: refused ? 'refused' : 'unreachable', said: gitSaid(text) || err.message };
  }
}

/** The remote's refs matching `pattern` (`refs/baton/claims/x`, `refs/baton/inbox/*`). Throws when unreachable. */
export async function listRemoteRefs(
  dir: string,
  host: string,
  remote: string,
  pattern: string,
): Promise<RemoteRef[]> {
  const out = await g(dir, host).raw(['ls-remote', remote, pattern]);
  const refs: RemoteRef[] = [];
  for (const line of out.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (sha && ref && /^[0-9a-f]{40,64}$/.test(sha)) refs.push({ ref, sha });
  }
  return refs;
}

/** Makes sure the objects `shas` are here, fetching them from `remote` by id when missing. */
export async function fetchObjects(
  dir: string,
  host: string,
  remote: string,
  shas: readonly string[],
): Promise<void> {
  const r = g(dir, host);
  const missing: string[] = [];
  for (const sha of shas)
    if ((await r.exit(['cat-file', '-e', sha], [1, 128])).exitCode !== 0) missing.push(sha);
  if (missing.length === 0) return;
  await r.raw(['fetch', '--no-tags', '--no-write-fetch-head', '--quiet', remote, ...missing]);
}

/** A commit's message (a claim record). */
export async function commitMessage(dir: string, sha: string): Promise<string> {
  return git(dir).raw(['log', '-1', '--format=%B', sha]);
}

/** The text of a follow-up commit's `followup.md`. */
export async function followupText(dir: string, sha: string): Promise<string> {
  return git(dir).raw(['cat-file', 'blob', `${sha}:followup.md`]);
}

/** git's own reason, shortest useful: the rejection line, else the first fatal/error line. */
export function gitSaid(text: string): string {
  const lines = text.split('\n').map((l) => l.trim());
  return (
    lines.find((l) => /\[(rejected|remote rejected)\]/.test(l))?.replace(/^!\s*/, '') ??
    lines.find((l) => /^(fatal|error):/.test(l)) ??
    lines.find((l) => l !== '' && l !== 'Done') ??
    ''
  );
}

/** The message of a git failure thrown by the functions above, for errors and logs. */
export function failureText(err: unknown): string {
  if (err instanceof GitCommandError) return gitSaid(`${err.stdout}\n${err.stderr}`) || err.message;
  return err instanceof Error ? err.message : String(err);
}
