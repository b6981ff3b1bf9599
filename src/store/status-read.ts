/**
 * Reading a task's status json, apart from writing it (status.ts) so that a reader such as
 * `baton status` does not load the atomic-write machinery it never uses.
 */
import { promises as fs, readFileSync } from 'node:fs';
import type { TaskStatus } from '../domain/types.js';
import { isNotFound } from './history.js';

/** The name of task `slug`'s status file in tasks/logs/ (the last part of `taskPaths().statusFile`). */
export function statusFileName(slug: string): string {
  return `dispatch-${slug}.status.json`;
}

/** Reads a status file; null when it does not exist or cannot be parsed (then it is rewritten). */
export async function readStatus(file: string): Promise<TaskStatus | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  return parseStatus(text);
}

/**
 * `readStatus`, synchronously: a board read takes every status file in a row, and a small file
 * read through fs.promises costs several thread-pool trips where this costs one call.
 */
export function readStatusSync(file: string): TaskStatus | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  return parseStatus(text);
}

function parseStatus(text: string): TaskStatus | null {
  try {
    return JSON.parse(text) as TaskStatus;
  } catch {
    return null;
  }
}
