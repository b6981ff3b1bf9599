/**
 * Whether an agent's worktree changed: half of the stall rule (docs/reference.md, "States"). Output alone is
 * not progress — Codex without network prints retry errors forever — so the worker also looks
 * at the worktree: HEAD, the set of changed files, and their sizes and modification times.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { resolveCommit } from '../git/refs.js';
import { statusPorcelainZ } from '../git/status.js';

/** A fingerprint of the worktree's state; it changes whenever a file or HEAD does. */
export async function worktreeFingerprint(worktree: string): Promise<string> {
  // A worktree removed mid-run answers nothing rather than failing the supervisor.
  const [head, status] = await Promise.all([
    resolveCommit(worktree, 'HEAD').catch(() => null),
    statusPorcelainZ(worktree).catch(() => ''),
  ]);
  const hash = createHash('sha1')
    .update(head ?? '')
    .update('\0')
    .update(status);
  for (const entry of status.split('\0')) {
    const file = entry.slice(3);
    if (file === '') continue;
    const st = await fs.lstat(path.join(worktree, file)).catch(() => null);
    hash.update(`${file}:${st ? `${st.size}:${st.mtimeMs}` : 'gone'}\0`);
  }
  return hash.digest('hex');
}
