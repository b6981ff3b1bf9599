/**
 * "The worktree changed under a live worker by someone else": git runs no hook before
 * `reset --hard`, `checkout -- .`, `cherry-pick` or a fast-forward `merge` change a worktree's
 * files, so when one of them runs in a live task's worktree from outside, baton can refuse only
 * the ref update that follows, after the files changed. The hook records that refusal in
 * `tasks/logs/hooks.jsonl`; the heartbeat says it once, as a problem.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { appendLine, readJsonl } from '../store/history.js';
import { commandLineOf } from './facts.js';

/** The record a refusal in a live task's worktree leaves. */
export interface TamperRecord {
  ts: string;
  type: 'worktree_tampered';
  slug: string;
  worktree: string;
  /** The git command line that did it, as far as /proc tells. */
  command: string[];
}

/** Appends the record (best effort: the refusal itself must not fail on it). */
export async function recordTamper(
  root: string,
  slug: string,
  worktree: string,
  gitPid: number,
): Promise<void> {
  try {
    const record: TamperRecord = {
      ts: new Date().toISOString(),
      type: 'worktree_tampered',
      slug,
      worktree,
      command: await commandLineOf(gitPid),
    };
    const logs = path.join(root, 'tasks', 'logs');
    await fs.mkdir(logs, { recursive: true });
    await appendLine(path.join(logs, 'hooks.jsonl'), JSON.stringify(record));
  } catch {
    // The refusal is what matters; the record is for the heartbeat's report.
  }
}

/** One sentence for a record. Pure. */
export function describeTamper(r: TamperRecord): string {
  const cmd = r.command.length > 0 ? `\`${r.command.join(' ')}\`` : 'a git command';
  return `task ${r.slug}: worktree changed under a live worker by someone else (${cmd} at ${r.ts}; baton refused its ref update, but git may already have changed the files in ${r.worktree}: compare with \`git -C ${r.worktree} status\`).`;
}

/**
 * The records newer than the last one reported (remembered in `seenFile`), as sentences; each is
 * said once.
 */
export async function newTamper(logsDir: string, seenFile: string): Promise<string[]> {
  const { records } = await readJsonl<Record<string, unknown>>(path.join(logsDir, 'hooks.jsonl'));
  const tampers = records.filter(
    (r): r is TamperRecord & Record<string, unknown> => r['type'] === 'worktree_tampered',
  );
  if (tampers.length === 0) return [];
  const seen = (await fs.readFile(seenFile, 'utf8').catch(() => '')).trim();
  const last = tampers.at(-1)?.ts ?? '';
  const fresh = tampers.filter((r) => r.ts > seen);
  if (fresh.length === 0) return [];
  await fs.mkdir(path.dirname(seenFile), { recursive: true });
  await fs.writeFile(seenFile, `${last}\n`);
  return fresh.map(describeTamper);
}
