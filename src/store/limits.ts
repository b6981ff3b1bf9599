/**
 * The usage limit each agent's account is under (`tasks/logs/limits/<agent>.json`, one file per
 * agent): written by the worker whose run hit it, given its probe by the heartbeat after the
 * reset, and removed by the heartbeat when the agent is free again. A file per agent keeps one
 * agent's writers off another's, and lets a dispatch ask about its agent with one read.
 *
 * The account waits, not just the task: while the file says so, nothing new starts with that
 * agent (domain/limits.ts judges it; domain/cycle.ts and the dispatch gate act on it).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { AgentLimit } from '../domain/limits.js';
import { isNotFound } from './history.js';
import type { RepoPaths } from './paths.js';

/** The folder of the agents' limit files. */
export function limitsDir(paths: RepoPaths): string {
  return path.join(paths.logsDir, 'limits');
}

/** The limit file of `agent` (an agent name, which config keeps to a safe file name). */
export function limitFile(paths: RepoPaths, agent: string): string {
  return path.join(limitsDir(paths), `${agent}.json`);
}

/** `agent`'s recorded limit, or null (none, or a file that cannot be read as one). */
export async function readAgentLimit(paths: RepoPaths, agent: string): Promise<AgentLimit | null> {
  let text: string;
  try {
    text = await fs.readFile(limitFile(paths, agent), 'utf8');
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  return toAgentLimit(text, agent);
}

/** Every agent's recorded limit, by agent. */
export async function readAgentLimits(paths: RepoPaths): Promise<Map<string, AgentLimit>> {
  const out = new Map<string, AgentLimit>();
  let names: string[];
  try {
    names = await fs.readdir(limitsDir(paths));
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    if (!name.endsWith('.json')) continue;
    const agent = name.slice(0, -'.json'.length);
    const limit = await readAgentLimit(paths, agent).catch(() => null);
    if (limit !== null) out.set(agent, limit);
  }
  return out;
}

/**
 * Records that `limit.agent` hit its limit. A limit recorded earlier that still holds and ends
 * later is kept (two tasks of one account hitting it moments apart name the same window, and
 * the later reset is the one that holds); a probe recorded earlier is dropped either way.
 */
export async function recordAgentLimit(paths: RepoPaths, limit: AgentLimit, now: Date): Promise<AgentLimit> {
  const earlier = await readAgentLimit(paths, limit.agent).catch(() => null);
  const keep =
    earlier !== null &&
    earlier.probe === null &&
    Date.parse(earlier.retryAt) > now.getTime() &&
    Date.parse(earlier.retryAt) > Date.parse(limit.retryAt);
  const next: AgentLimit = keep ? { ...earlier, probe: null } : { ...limit, probe: null };
  await writeAgentLimit(paths, next);
  return next;
}

/** Writes `limit` whole. */
export async function writeAgentLimit(paths: RepoPaths, limit: AgentLimit): Promise<void> {
  await fs.mkdir(limitsDir(paths), { recursive: true });
  await writeFileAtomic(limitFile(paths, limit.agent), `${JSON.stringify(limit, null, 2)}\n`, {
    fsync: false,
  });
}

/** The agent is free again: its file goes. */
export async function clearAgentLimit(paths: RepoPaths, agent: string): Promise<void> {
  await fs.rm(limitFile(paths, agent), { force: true });
}

function toAgentLimit(text: string, agent: string): AgentLimit | null {
  try {
    const v = JSON.parse(text) as Partial<AgentLimit>;
    if (typeof v.retryAt !== 'string' || !Number.isFinite(Date.parse(v.retryAt))) return null;
    const probe =
      v.probe && typeof v.probe.slug === 'string' && typeof v.probe.at === 'string'
        ? { slug: v.probe.slug, at: v.probe.at }
        : null;
    return {
      agent,
      retryAt: v.retryAt,
      reset: typeof v.reset === 'string' ? v.reset : null,
      slug: typeof v.slug === 'string' ? v.slug : '',
      at: typeof v.at === 'string' ? v.at : v.retryAt,
      probe,
    };
  } catch {
    return null;
  }
}
