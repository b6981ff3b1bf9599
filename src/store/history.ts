/**
 * The append-only history of a task (`dispatch-<slug>.history.jsonl`, SPEC section 4).
 *
 * Each record is one JSON line written with a single `write()` on an O_APPEND descriptor, so
 * lines from concurrent processes never interleave. A crash can still leave a torn last line (no
 * final newline): readers skip it, and the next append first terminates it so the new record
 * is never glued onto it.
 */
import { promises as fs } from 'node:fs';

/** Event types baton records; others may appear (readers must tolerate unknown types). */
export type HistoryType =
  | 'task_dispatched'
  | 'prompt_sent'
  | 'followup_received'
  | 'run_started'
  /** Written by the agent's own process just before it becomes the agent (agent-run.ts). */
  | 'agent_started'
  | 'session_captured'
  | 'run_exited'
  | 'interrupt_sent'
  | 'steer_sent'
  | 'state_changed'
  | 'lock_taken_over'
  | 'lock_released'
  | 'worker_started'
  | 'worker_exited'
  | 'session_fallback'
  | 'rejected'
  | 'retry_scheduled'
  | 'removed'
  | 'stalled'
  | 'watcher_started'
  | 'watcher_stopped';

/** One history line. `runId` is null for events outside a run (e.g. a follow-up accepted while idle). */
export interface HistoryRecord {
  ts: string;
  type: HistoryType | string;
  runId: string | null;
  [field: string]: unknown;
}

/** Appends one record as a whole line, repairing a torn last line first. */
export async function appendHistory(
  file: string,
  type: HistoryType,
  runId: string | null,
  fields: Record<string, unknown> = {},
  now: Date = new Date(),
): Promise<HistoryRecord> {
  const record: HistoryRecord = { ts: now.toISOString(), type, runId, ...fields };
  await appendLine(file, JSON.stringify(record));
  return record;
}

/** Appends `line` (no newline) to a JSONL file as one write, terminating a torn last line first. */
export async function appendLine(file: string, line: string): Promise<void> {
  const handle = await fs.open(file, 'a+');
  try {
    const torn = await endsTorn(handle);
    await handle.write((torn ? '\n' : '') + line + '\n');
  } finally {
    await handle.close();
  }
}

async function endsTorn(handle: fs.FileHandle): Promise<boolean> {
  const { size } = await handle.stat();
  if (size === 0) return false;
  const buf = Buffer.alloc(1);
  await handle.read(buf, 0, 1, size - 1);
  return buf[0] !== 0x0a;
}

/** What reading a JSONL file found: the records, and how many lines could not be parsed. */
export interface JsonlRead<T> {
  records: T[];
  skipped: number;
}

/** Reads every parseable line of a JSONL file; a missing file is empty. */
export async function readJsonl<T>(file: string): Promise<JsonlRead<T>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return { records: [], skipped: 0 };
    throw err;
  }
  return parseJsonl<T>(text);
}

/** Parses JSONL text, skipping blank and unparseable (torn) lines. */
export function parseJsonl<T>(text: string): JsonlRead<T> {
  const records: T[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      skipped++;
    }
  }
  return { records, skipped };
}

/** Reads a task's history. */
export async function readHistory(file: string): Promise<JsonlRead<HistoryRecord>> {
  return readJsonl<HistoryRecord>(file);
}

/** True for ENOENT errors. */
export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
