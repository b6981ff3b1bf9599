/**
 * The append-only history of a task (`dispatch-<slug>.history.jsonl`; the events are domain/history.ts, the file format docs/reference.md).
 *
 * Each record is one JSON line written with a single `write()` on an O_APPEND descriptor, so
 * lines from concurrent processes never interleave. A crash can still leave a torn last line (no
 * final newline): readers skip it, and the next append first terminates it so the new record
 * is never glued onto it.
 */
import { promises as fs } from 'node:fs';
import {
  toHistoryEvent,
  type EventOf,
  type HistoryEvent,
  type HistoryFields,
  type HistoryType,
} from '../domain/history.js';

export type { HistoryType } from '../domain/history.js';

/** One parsed history line as found: any type, any fields (see domain/history.ts for the events). */
export interface HistoryRecord {
  ts: string;
  type: string;
  runId: string | null;
  [field: string]: unknown;
}

/** Appends one record as a whole line, repairing a torn last line first. */
export async function appendHistory<T extends HistoryType>(
  file: string,
  type: T,
  runId: string | null,
  fields: HistoryFields<T>,
  now: Date = new Date(),
): Promise<EventOf<T>> {
  const record = { ts: now.toISOString(), type, runId, ...fields } as EventOf<T>;
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

/** A task's history as events; `skipped` counts lines that are torn or not events baton knows. */
export interface HistoryRead {
  events: HistoryEvent[];
  skipped: number;
}

/** Reads a task's history as events (domain/history.ts), skipping what is not one. */
export async function readHistory(file: string): Promise<HistoryRead> {
  const { records, skipped } = await readJsonl<unknown>(file);
  const events: HistoryEvent[] = [];
  let unknown = 0;
  for (const r of records) {
    const e = toHistoryEvent(r);
    if (e === null) unknown++;
    else events.push(e);
  }
  return { events, skipped: skipped + unknown };
}

/** True for ENOENT errors. */
export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
