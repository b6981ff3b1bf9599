/**
 * `baton doctor`'s usage-limit check: an agent whose limit is past its reset (and more than two
 * heartbeats past it) while tasks still wait for it. It explains why they were not resumed: no
 * watcher runs, the watcher's one try after the reset has not got through, or the heartbeat is
 * not acting on it.
 */
import { shortTime } from '../domain/limits.js';
import { inspectLock } from '../store/lock.js';
import { readAgentLimits } from '../store/limits.js';
import { taskPaths } from '../store/paths.js';
import { readStatus } from '../store/status.js';
import { watchLockPath } from './doctor-checks.js';
import { problem, type Finding } from './doctor-types.js';
import type { Repo } from './repo.js';

/** Limits past their reset whose tasks were not resumed. */
export async function checkLimits(repo: Repo, slugs: string[], now: Date): Promise<Finding[]> {
  const limits = await readAgentLimits(repo.paths);
  if (limits.size === 0) return [];
  const graceMs = (2 * repo.config.heartbeatSeconds + repo.config.dispatchTimeoutSeconds) * 1000;
  const parked = new Map<string, string[]>();
  for (const slug of slugs) {
    const s = await readStatus(taskPaths(repo.paths, slug).statusFile).catch(() => null);
    if (s?.state !== 'limited') continue;
    const agent = s.limitedAgent ?? s.agent ?? '';
    parked.set(agent, [...(parked.get(agent) ?? []), slug]);
  }
  const watcher = await inspectLock(watchLockPath(repo.info.commonDir)).catch(() => null);
  const out: Finding[] = [];
  for (const limit of limits.values()) {
    const waiting = parked.get(limit.agent) ?? [];
    if (Date.parse(limit.retryAt) + graceMs > now.getTime()) continue;
    if (waiting.length === 0 && limit.probe === null) continue;
    const when = shortTime(limit.retryAt, now);
    const first = waiting[0] ?? limit.probe?.slug ?? '<slug>';
    const tasks = waiting.length === 0 ? '' : ` (${waiting.join(', ')})`;
    let why: string;
    let fix: string;
    if (!watcher?.live) {
      why = 'no watcher is running to resume them';
      fix = `Start one with \`baton watch\` (or \`baton service install\`); or resume one now with \`baton continue ${first}\`.`;
    } else if (limit.probe !== null) {
      why = `the watcher's one try after the reset (${limit.probe.slug}, since ${shortTime(limit.probe.at, now)}) has not shown progress: ${limit.agent} may still be limited, or that run hangs`;
      fix = `Look at \`baton logs ${limit.probe.slug}\`; \`baton stop ${limit.probe.slug}\` ends that try, and the next heartbeat tries again.`;
    } else {
      why = 'the watcher has not resumed them: its heartbeats may be failing';
      fix = `See tasks/logs/heartbeat.json and the watcher's output; \`baton continue ${first}\` resumes one now.`;
    }
    out.push(
      problem(
        'limit-not-resumed',
        `${limit.agent}'s usage limit was due to reset at ${when}, but ${waiting.length} limited task${waiting.length === 1 ? '' : 's'}${tasks} still wait: ${why}.`,
        fix,
      ),
    );
  }
  return out;
}
