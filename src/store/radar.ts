/**
 * `tasks/logs/radar.json`, the conflict radar's cache (domain/radar.ts): what it measured of each
 * live task branch and pair, by the tips it measured them at. Written whole (write-file-atomic)
 * after a heartbeat that measured something; read by the heartbeat and by `baton status`.
 * Safe to delete: the next heartbeat measures again (history keeps which conflicts were told).
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { toRadarCache, type RadarCache } from '../domain/radar.js';
import type { RepoPaths } from './paths.js';

/** The name of the radar's cache in tasks/logs/. */
export const RADAR_FILE = 'radar.json';

/** Where the radar's cache lives. */
export function radarFile(paths: Pick<RepoPaths, 'logsDir'>): string {
  return path.join(paths.logsDir, RADAR_FILE);
}

/** The cache as on disk; an empty one when it is missing or unreadable. */
export async function readRadar(paths: Pick<RepoPaths, 'logsDir'>): Promise<RadarCache> {
  try {
    return toRadarCache(JSON.parse(await fs.readFile(radarFile(paths), 'utf8')));
  } catch {
    return toRadarCache(null);
  }
}

/** `readRadar`, synchronously, for the board's read of everything in a row. */
export function readRadarSync(paths: Pick<RepoPaths, 'logsDir'>): RadarCache {
  try {
    return toRadarCache(JSON.parse(readFileSync(radarFile(paths), 'utf8')));
  } catch {
    return toRadarCache(null);
  }
}

/** Replaces the cache whole. */
export async function writeRadar(paths: Pick<RepoPaths, 'logsDir'>, cache: RadarCache): Promise<void> {
  const { default: writeFileAtomic } = await import('write-file-atomic');
  await writeFileAtomic(radarFile(paths), `${JSON.stringify(cache)}\n`);
}
