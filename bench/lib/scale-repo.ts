/** The repository the scale and idle measures run on. */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { fakeAgentsYaml, makeRig, type Rig } from '../../test/helpers/rig.ts';

/**
 * The status json of a task that has run once and is idle: `worktree` null when it has none
 * left, `at` (ISO) as every timestamp.
 */
export function idleStatus(
  slug: string,
  run: { worktree: string | null; runId: string; sessionId: string; at: string },
): Record<string, unknown> {
  return {
    slug,
    state: 'idle',
    agent: 'claude',
    branch: `task/${slug}`,
    worktree: run.worktree,
    pid: null,
    agentPid: null,
    runId: run.runId,
    epoch: 1,
    sessionId: run.sessionId,
    runs: 1,
    pendingFollowups: 0,
    lastExitCode: 0,
    startedAt: run.at,
    updatedAt: run.at,
    lastOutputAt: run.at,
    lastProgressAt: run.at,
    retryAt: null,
    autoRetries: 0,
    error: null,
  };
}

/**
 * A repository with `n` task files: 90 % done, 10 % draft; one in ten has run (status json and a
 * few history lines, no worktree), as a long-lived repository looks.
 */
export async function scaleRepo(n: number): Promise<Rig> {
  const rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 30') });
  const tasks = path.join(rig.root, 'tasks');
  const logs = path.join(tasks, 'logs');
  const now = new Date().toISOString();
  for (let start = 0; start < n; start += 500) {
    const batch: Promise<void>[] = [];
    for (let i = start; i < Math.min(n, start + 500); i++) {
      const slug = `t${String(i).padStart(5, '0')}`;
      const status = i % 10 === 0 ? 'draft' : 'done';
      batch.push(
        fsp.writeFile(
          path.join(tasks, `${slug}.md`),
          `---\nstatus: ${status}\ntitle: Task ${i}\npriority: ${i % 5}\n---\nDo task ${i}: a paragraph of instructions, as long as a typical task prompt is.\n`,
        ),
      );
      if (i % 10 === 5) {
        const st = idleStatus(slug, { worktree: null, runId: `r-${i}`, sessionId: `s-${i}`, at: now });
        batch.push(
          fsp.writeFile(path.join(logs, `dispatch-${slug}.status.json`), `${JSON.stringify(st, null, 2)}\n`),
        );
        batch.push(
          fsp.writeFile(
            path.join(logs, `dispatch-${slug}.history.jsonl`),
            `${JSON.stringify({ ts: now, type: 'task_dispatched', runId: `r-${i}` })}\n`,
          ),
        );
      }
    }
    await Promise.all(batch);
  }
  return rig;
}
