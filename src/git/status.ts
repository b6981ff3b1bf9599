/** What git says about the files of a work tree: changed, tracked, ignored. */
import { git } from './run.js';

/** Which changes `statusPorcelain` lists. */
export interface StatusQuery {
  /** Every untracked file rather than one line per untracked folder. */
  allUntracked?: boolean;
  /** Limit to these pathspecs (git's magic such as `:(top,exclude)x` included). */
  pathspecs?: readonly string[];
}

/** The lines of `git status --porcelain` (v1): `XY path`, one per change; none when clean. */
export async function statusPorcelain(dir: string, q: StatusQuery = {}): Promise<string[]> {
  const args = ['status', '--porcelain', ...(q.allUntracked ? ['--untracked-files=all'] : [])];
  if (q.pathspecs !== undefined) args.push('--', ...q.pathspecs);
  const out = await git(dir).raw(args);
  return out.split('\n').filter((l) => l.trim() !== '');
}

/**
 * `git status --porcelain=v1 -z --untracked-files=all` as git prints it (NUL-separated): what
 * the stall rule hashes, so it is kept byte for byte.
 */
export async function statusPorcelainZ(dir: string): Promise<string> {
  return git(dir).raw(['status', '--porcelain=v1', '-z', '--untracked-files=all']);
}

/** The tracked files under the given paths (`git ls-files`); none when nothing is tracked. */
export async function trackedFiles(dir: string, paths: readonly string[]): Promise<string[]> {
  const out = await git(dir).raw(['ls-files', '--', ...paths]);
  return out.split('\n').filter((l) => l !== '');
}

/** The given paths that git ignores (`git check-ignore`); none when it ignores none. */
export async function ignoredPaths(dir: string, paths: readonly string[]): Promise<string[]> {
  // Exit 1 (in silence) means none is ignored; 128 is a real failure.
  const r = await git(dir).exit(['check-ignore', '--', ...paths], [1]);
  return r.stdout.split('\n').filter((l) => l !== '');
}
