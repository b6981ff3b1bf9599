/**
 * Whether an agent's worktree changed: half of the stall rule (SPEC section 2). Output alone is
 * not progress — Codex without network prints retry errors forever — so the worker also looks
 * at the worktree: HEAD, the set of changed files, and their sizes and modification times.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { git } from '../git/repo.js';

/** A fingerprint of the worktree's state; it changes whenever a file or HEAD does. */
export async function worktreeFingerprint(worktree: string): Promise<string> {
  const g = git(worktree);
  const [head, status] = await Promise.all([
    g.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => ''),
    g.raw(['status', '--porcelain=v1', '-z', '--untracked-files=all']).catch(() => ''),
  ]);
  const hash = createHash('sha1').update(head).update('\0').update(status);
  for (const entry of status.split('\0')) {
    const file = entry.slice(3);
    if (file === '') continue;
    const st = await fs.lstat(path.join(worktree, file)).catch(() => null);
    hash.update(`${file}:${st ? `${st.size}:${st.mtimeMs}` : 'gone'}\0`);
  }
  return hash.digest('hex');
}
