/**
 * `setup.copy`: files the repository does not track but a worktree needs (`.env`,
 * `config/*.local.json`), copied from the main worktree into a new task worktree. Globs are
 * matched by node's own `fs.promises.glob`. Two rules keep it safe: nothing is read or written
 * through a symlink that leads out of the repository (or out of the worktree), and a file the
 * worktree tracks is never overwritten. An untracked file already there is replaced: a setup run
 * again after a failure copies again.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { trackedFiles } from '../git/status.js';

/** What the copy did, for the log. */
export interface Copied {
  copied: string[];
  /** One line each: what was left out and why. */
  skipped: string[];
}

/** Copies what `patterns` match under `root` into the same places under `worktree`. */
export async function copyIntoWorktree(
  root: string,
  worktree: string,
  patterns: readonly string[],
): Promise<Copied> {
  const out: Copied = { copied: [], skipped: [] };
  const [realRoot, realWorktree] = await Promise.all([fs.realpath(root), fs.realpath(worktree)]);
  const matches = new Set<string>();
  for (const pattern of patterns) {
    let n = 0;
    for await (const rel of fs.glob(pattern, { cwd: root, exclude: (p) => isGitDir(String(p)) })) {
      if (rel === '' || rel === '.') continue;
      matches.add(rel);
      n++;
    }
    if (n === 0) out.skipped.push(`${pattern}: nothing matches it in ${root}`);
  }
  if (matches.size === 0) return out;
  const list = [...matches].sort();
  // Pathspecs are literal: a file named `a*` must not stand for every file starting with `a`.
  const tracked = new Set(
    await trackedFiles(
      worktree,
      list.map((p) => `:(literal)${p}`),
    ),
  );
  const leadsOut = async (p: string): Promise<string | null> => {
    const real = await fs.realpath(p).catch(() => null);
    if (real === null) return 'it is a broken symlink';
    return inside(realRoot, real) ? null : `it leads out of the repository (to ${real})`;
  };
  for (const rel of list) {
    // A match inside an earlier directory match was copied with it.
    if (list.some((other) => other !== rel && rel.startsWith(`${other}/`) && matches.has(other))) continue;
    const src = path.join(root, rel);
    const dest = path.join(worktree, rel);
    const why =
      (await leadsOut(src)) ?? (tracked.has(rel) ? 'the worktree tracks it; it is never overwritten' : null);
    if (why !== null) {
      out.skipped.push(`${rel}: ${why}`);
      continue;
    }
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const destDir = await fs.realpath(path.dirname(dest));
    if (!inside(realWorktree, destDir)) {
      out.skipped.push(`${rel}: its folder in the worktree leads out of it (to ${destDir})`);
      continue;
    }
    const real = await fs.realpath(src);
    if ((await fs.stat(real)).isDirectory()) {
      await fs.cp(real, dest, {
        recursive: true,
        force: true,
        verbatimSymlinks: true,
        filter: async (s, d) => {
          const inner = path.relative(realWorktree, path.join(destDir, path.relative(path.dirname(dest), d)));
          if (tracked.has(inner)) {
            out.skipped.push(`${inner}: the worktree tracks it; it is never overwritten`);
            return false;
          }
          const lst = await fs.lstat(s);
          if (!lst.isSymbolicLink()) return true;
          const bad = await leadsOut(s);
          if (bad !== null) out.skipped.push(`${inner}: ${bad}`);
          return bad === null;
        },
      });
    } else {
      // An untracked symlink in the way would be written through: replace it instead.
      const existing = await fs.lstat(dest).catch(() => null);
      if (existing?.isSymbolicLink()) await fs.rm(dest);
      await fs.copyFile(real, dest);
    }
    out.copied.push(rel);
  }
  return out;
}

function isGitDir(p: string): boolean {
  return p === '.git' || p.startsWith('.git/') || p.endsWith('/.git') || p.includes('/.git/');
}

function inside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
