/**
 * The fake agents' JSON-lines log (test/fixtures/agents/README.md), read incrementally: a poll
 * reads only what was appended since the last one, so waiting on it every few milliseconds
 * stays cheap however long the log grows (the benchmark polls it every 2 ms).
 */
import { existsSync, readFileSync } from 'node:fs';

/** One line of the fake agents' log. */
export type FakeEvent = Record<string, unknown> & { event: string; pid: number; t: number };

/** A reader of one fake-agent log file; `events()` returns every whole line logged so far. */
export interface FakeLogReader {
  events(): FakeEvent[];
}

/**
 * Reads `file` from where the last call stopped. A last line without its newline is being
 * written: it is left for a later call, which reads it whole (offsets are in bytes and stop
 * after a newline, so a character is never cut in two).
 */
export function fakeLogReader(file: string): FakeLogReader {
  let offset = 0;
  const events: FakeEvent[] = [];
  return {
    events() {
      if (!existsSync(file)) return [...events];
      const buf = readFileSync(file);
      const end = buf.lastIndexOf(0x0a) + 1;
      if (end > offset) {
        for (const l of buf.subarray(offset, end).toString('utf8').split('\n'))
          if (l.trim() !== '') events.push(JSON.parse(l) as FakeEvent);
        offset = end;
      }
      return [...events];
    },
  };
}
