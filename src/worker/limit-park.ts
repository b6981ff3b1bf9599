/**
 * A run ended at its agent's usage limit: the task is parked as `limited` and the agent's
 * account is recorded as limited (store/limits.ts), so the watcher starts nothing more with it
 * until the reset. History first (`limit_hit`: the raw line, the reset, how it was read), then
 * the agent's limit, then status.
 */
import { resolveLimit, type LimitNotice, type ResolvedLimit } from '../domain/limits.js';
import { recordAgentLimit } from '../store/limits.js';
import type { RepoPaths, TaskPaths } from '../store/paths.js';
import { readStatus } from '../store/status.js';
import type { Recorder } from './recorder.js';

/** What parking needs to know. */
export interface ParkSpec {
  rec: Recorder;
  paths: RepoPaths;
  tp: TaskPaths;
  slug: string;
  agent: string;
  notice: LimitNotice;
  bufferSeconds: number;
  pendingFollowups: number;
  now?: Date;
}

/** Parks the task at its agent's limit; returns when baton tries again. */
export async function parkAtLimit(spec: ParkSpec): Promise<ResolvedLimit> {
  const now = spec.now ?? new Date();
  const before = (await readStatus(spec.tp.statusFile))?.limitHits ?? 0;
  const resolved = resolveLimit(spec.notice.reset, {
    now,
    bufferSeconds: spec.bufferSeconds,
    hits: before + 1,
  });
  const hits = resolved.how === 'backoff' ? before + 1 : 0;
  await spec.rec.event('limit_hit', {
    agent: spec.agent,
    raw: spec.notice.raw,
    said: spec.notice.reset,
    reset: resolved.reset,
    how: resolved.how,
    retryAt: resolved.retryAt,
    ...(resolved.backoffSeconds === null ? {} : { backoffSeconds: resolved.backoffSeconds }),
  });
  await recordAgentLimit(
    spec.paths,
    {
      agent: spec.agent,
      retryAt: resolved.retryAt,
      reset: resolved.reset,
      slug: spec.slug,
      at: now.toISOString(),
      probe: null,
    },
    now,
  );
  await spec.rec.status({
    state: 'limited',
    retryAt: resolved.retryAt,
    limitedAgent: spec.agent,
    limitHits: hits,
    error: `${spec.agent} hit its usage limit: ${spec.notice.raw}`,
    pid: null,
    agentPid: null,
    pendingFollowups: spec.pendingFollowups,
  });
  return resolved;
}
