/**
 * A task worktree's port block, recorded in its git dir (`<git dir>/baton-ports.json`) so that it
 * lives and goes with the worktree: `baton remove` (git worktree remove) frees it. It is chosen
 * under the repository lock that worktree creation and removal take, as the lowest block free
 * among the blocks of every live worktree, so two concurrent workers never get the same one.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { BatonError } from '../domain/errors.js';
import { allocatePortBlock, type PortBlock } from '../domain/ports.js';
import { repoLockPath } from '../git/worktree.js';
import { withRepoLock } from '../store/lock.js';

const FILE = 'baton-ports.json';

/** The worktree's recorded block, or null when it has none yet. */
export async function readPortBlock(gitDir: string): Promise<PortBlock | null> {
  try {
    const v = JSON.parse(await fs.readFile(path.join(gitDir, FILE), 'utf8')) as Partial<PortBlock>;
    return typeof v.base === 'number' && typeof v.count === 'number'
      ? { base: v.base, count: v.count }
      : null;
  } catch {
    return null;
  }
}

/**
 * The worktree's block: the recorded one (a worktree keeps its ports for its life, whatever
 * baton.yaml says later), else a new one chosen under the repository lock and recorded.
 */
export async function ensurePortBlock(
  gitDir: string,
  commonDir: string,
  want: PortBlock,
): Promise<PortBlock> {
  const have = await readPortBlock(gitDir);
  if (have !== null) return have;
  return withRepoLock(repoLockPath(commonDir), async () => {
    const again = await readPortBlock(gitDir);
    if (again !== null) return again;
    const block = allocatePortBlock(await liveBlocks(commonDir, gitDir), want);
    if (block === null) {
      throw new BatonError(
        'SETUP_FAILED',
        `No block of ${want.count} ports from ${want.base} is free: the live task worktrees hold them all.`,
        {
          hint: 'Remove finished tasks (`baton remove <slug>`), or lower ports.count or ports.base in baton.yaml.',
        },
      );
    }
    await writeFileAtomic(path.join(gitDir, FILE), JSON.stringify(block) + '\n');
    return block;
  });
}

/** The blocks of every other worktree that still exists (a folder deleted by hand frees its block). */
async function liveBlocks(commonDir: string, self: string): Promise<PortBlock[]> {
  const dir = path.join(commonDir, 'worktrees');
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const blocks: PortBlock[] = [];
  for (const name of names) {
    const gitDir = path.join(dir, name);
    if (path.resolve(gitDir) === path.resolve(self)) continue;
    const block = await readPortBlock(gitDir);
    if (block === null) continue;
    const back = await fs.readFile(path.join(gitDir, 'gitdir'), 'utf8').catch(() => null);
    if (back !== null && !existsSync(back.trim())) continue;
    blocks.push(block);
  }
  return blocks;
}
