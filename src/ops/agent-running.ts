/** Every task's status file, read in one pass (for an agent's own `maxConcurrent`). */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TaskStatus } from '../domain/types.js';
import type { RepoPaths } from '../store/paths.js';
import { readStatus } from '../store/status.js';

/** The statuses in `tasks/logs/`; unreadable ones are skipped. */
export async function readStatusFiles(paths: RepoPaths): Promise<TaskStatus[]> {
  let names: string[];
  try {
    names = await fs.readdir(paths.logsDir);
  } catch {
    return [];
  }
  const files = names.filter((n) => n.startsWith('dispatch-') && n.endsWith('.status.json'));
  const read = await Promise.all(files.map((n) => readStatus(path.join(paths.logsDir, n)).catch(() => null)));
  return read.filter((s) => s !== null);
}
