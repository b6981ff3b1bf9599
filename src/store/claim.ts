/**
 * Cluster mode: this host's view of a task's claim (`tasks/logs/dispatch-<slug>.claim.json`): the
 * commit its claim ref points at on the remote and the record in it. The dispatcher writes it
 * when it wins the claim and the worker replaces it at every renewal, so the worker always
 * swaps from the value it last set. `baton status` shows it. Replaced whole.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { ClaimRecord } from '../domain/cluster.js';
import type { RepoPaths } from './paths.js';

/** A claim as this host last saw it on the remote. */
export interface HeldClaim {
  /** The claim commit the remote ref points at. */
  sha: string;
  record: ClaimRecord;
  /** The remote and the ref, for messages. */
  remote: string;
  ref: string;
}

/** The file's path. */
export function claimFile(paths: RepoPaths, slug: string): string {
  return path.join(paths.logsDir, `dispatch-${slug}.claim.json`);
}

/** Writes this host's view of the claim. */
export async function writeClaim(paths: RepoPaths, held: HeldClaim): Promise<void> {
  await writeFileAtomic(claimFile(paths, held.record.slug), `${JSON.stringify(held, null, 2)}\n`, {
    fsync: false,
  });
}

/** This host's last view of the claim, or null. */
export async function readClaim(paths: RepoPaths, slug: string): Promise<HeldClaim | null> {
  try {
    const o = JSON.parse(await fs.readFile(claimFile(paths, slug), 'utf8')) as HeldClaim;
    return typeof o.sha === 'string' && typeof o.record === 'object' && o.record !== null ? o : null;
  } catch {
    return null;
  }
}
