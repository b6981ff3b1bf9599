/**
 * The agent's session across runs: recovering its id from the task's log when status lost it
 * (docs/design.md, "The lock"), and the fallback when a run cannot resume it: a new session that is given
 * the task and every earlier prompt that reached an agent.
 */
import { promises as fs } from 'node:fs';
import type { AgentDriver } from '../agents/types.js';
import type { PromptSent } from '../domain/history.js';
import { fallbackPrompt, type PastPrompt } from '../domain/prompts.js';
import { isNotFound, readHistory } from '../store/history.js';
import { concludedRuns, followupIdsOf, runKey } from './deliveries.js';
import type { Step } from './steps.js';

/** The last session id the driver's parser finds in the log, or null. */
export async function recoverSessionId(logFile: string, driver: AgentDriver): Promise<string | null> {
  let text: string;
  try {
    text = await fs.readFile(logFile, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  const parser = driver.createParser();
  let found: string | null = null;
  // Setup and teardown output (worktree/setup.ts) is no agent's: skipped up to the next run header.
  let skipping = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('=== baton setup ') || line.startsWith('=== baton teardown ')) skipping = true;
    if (line.startsWith('=== baton run ')) skipping = false;
    if (skipping || line.trim() === '' || line.startsWith('=== baton run ')) continue;
    for (const ev of parser.line(line)) if (ev.type === 'session') found = ev.id;
  }
  return found;
}

/**
 * `step` as the first prompt of a new session: the task, the earlier prompts (from history)
 * and `step`'s own. `prompts` is how many earlier prompts it carries, for the history record.
 */
export async function fallbackStep(
  historyFile: string,
  taskBody: string,
  step: Step,
): Promise<{ step: Step; prompts: number }> {
  const history = await readHistory(historyFile);
  // A prompt that never reached an agent is not part of the session's past.
  const concluded = concludedRuns(history.events);
  const past: PastPrompt[] = history.events
    .filter((r): r is PromptSent => r.type === 'prompt_sent')
    .filter((r) => followupIdsOf(r).length === 0 || concluded.has(runKey(r) ?? ''))
    .map((r) => ({ ts: r.ts, kind: r.kind ?? 'prompt', prompt: r.prompt }));
  return {
    step: {
      kind: `${step.kind}+fallback`,
      prompt: fallbackPrompt(taskBody, past, step.prompt),
      resume: false,
      items: step.items,
      ...(step.redelivers ? { redelivers: step.redelivers } : {}),
    },
    prompts: past.length,
  };
}
