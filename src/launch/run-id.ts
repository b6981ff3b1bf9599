/** Run ids: one per lock acquisition. */
import { randomBytes } from 'node:crypto';

/** A new run id: sortable by time, unique across processes. */
export function newRunId(now: Date = new Date()): string {
  return `${now.getTime().toString(36)}-${randomBytes(3).toString('hex')}`;
}
