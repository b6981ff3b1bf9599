/**
 * Writing a drop into tasks/ as a person would (a follow-up from the CLI, a PR reaction, a
 * conflict's rebase request): whole, under a dot name the watcher ignores, then one rename, so
 * the drop is never read half written.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Writes `text` (ending in a newline) to `tasks/<name>`; resolves once it is in place. */
export async function writeDrop(tasksDir: string, name: string, text: string): Promise<void> {
  const tmp = path.join(tasksDir, `.${name}.${process.pid}.tmp`);
  await fs.writeFile(tmp, text.endsWith('\n') ? text : `${text}\n`);
  await fs.rename(tmp, path.join(tasksDir, name));
}
