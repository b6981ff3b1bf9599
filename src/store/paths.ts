/**
 * Where baton keeps its files in a managed repository (docs/reference.md, "Files baton writes"). Every path is derived from
 * the repository root and a slug that has already been validated, so none can leave `tasks/`.
 */
import path from 'node:path';

/** Paths of one repository's baton files. */
export interface RepoPaths {
  root: string;
  tasksDir: string;
  logsDir: string;
  promptsDir: string;
  inboxRoot: string;
  heartbeatFile: string;
  rejectedFile: string;
  configFile: string;
}

/** The baton paths of the repository at `root`. */
export function repoPaths(root: string): RepoPaths {
  const tasksDir = path.join(root, 'tasks');
  const logsDir = path.join(tasksDir, 'logs');
  return {
    root,
    tasksDir,
    logsDir,
    promptsDir: path.join(logsDir, 'prompts'),
    inboxRoot: path.join(logsDir, 'inbox'),
    heartbeatFile: path.join(logsDir, 'heartbeat.json'),
    rejectedFile: path.join(logsDir, 'rejected.jsonl'),
    configFile: path.join(root, 'baton.yaml'),
  };
}

/** Paths of one task's files. */
export interface TaskPaths {
  taskFile: string;
  statusFile: string;
  logFile: string;
  historyFile: string;
  inboxDir: string;
}

/** The files of task `slug` (which must be a valid slug). */
export function taskPaths(paths: RepoPaths, slug: string): TaskPaths {
  return {
    taskFile: path.join(paths.tasksDir, `${slug}.md`),
    statusFile: path.join(paths.logsDir, `dispatch-${slug}.status.json`),
    logFile: path.join(paths.logsDir, `dispatch-${slug}.log`),
    historyFile: path.join(paths.logsDir, `dispatch-${slug}.history.jsonl`),
    inboxDir: path.join(paths.inboxRoot, slug),
  };
}

/** The prompt file of agent run `n` of run id `runId`: outside the worktree, so `git add -A` never commits it. */
export function promptFile(paths: RepoPaths, slug: string, runId: string, n: number): string {
  return path.join(paths.promptsDir, `${slug}.${runId}.${n}.md`);
}
