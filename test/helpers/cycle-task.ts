/** A task as the heartbeat's planner sees it, for the unit tests of planCycle. */
import type { CycleTask } from '../../src/domain/cycle.js';

/** A ready task, never run, with nothing pending; `over` changes what a test needs. */
export const cycleTask = (slug: string, over: Partial<CycleTask> = {}): CycleTask => ({
  slug,
  state: 'ready',
  recordedState: null,
  fileStatus: 'ready',
  priority: 0,
  fileMtimeMs: 0,
  ranBefore: false,
  live: false,
  pendingFollowups: 0,
  retryAt: null,
  autoRetries: 0,
  lastProgressAt: null,
  ...over,
});
