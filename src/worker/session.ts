/** Recovering a session id from the task's log when status lost it (SPEC section 3). */
import { promises as fs } from 'node:fs';
import type { AgentDriver } from '../agents/types.js';
import { isNotFound } from '../store/history.js';

/** The last session id the driver's parser finds in the log, or null. */
export async function recoverSessionId(logFile: string, driver: AgentDriver): Promise<string | null> {
  let text: string;
  try {
    text = await fs.readFile(logFile, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  const parser = driver.createParser();
  let found: string | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('=== baton run ')) continue;
    for (const ev of parser.line(line)) if (ev.type === 'session') found = ev.id;
  }
  return found;
}
