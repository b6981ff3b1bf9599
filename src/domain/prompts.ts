/** The prompts baton writes itself (pure). */

/** Sent by `baton continue` without text. */
export const CONTINUE_INSTRUCTION =
  'Continue the task from where you left off. If it is complete, check your work, commit it, and say so.';

/** One earlier prompt, as recorded in history. */
export interface PastPrompt {
  ts: string;
  kind: string;
  prompt: string;
}

/**
 * The prompt of a new session that replaces one that cannot be resumed: the task, then every
 * earlier prompt in order, then the new instruction, so the agent loses nothing it was told.
 */
export function fallbackPrompt(taskBody: string, past: PastPrompt[], next: string): string {
  const earlier = past.filter((p) => p.prompt !== taskBody && p.prompt !== next);
  const parts = [
    'You are continuing a task whose earlier agent session cannot be resumed. Its working tree (this directory) holds the work done so far: inspect it before you act.',
    '## The task',
    taskBody,
  ];
  if (earlier.length > 0) {
    parts.push('## Instructions given since, in order');
    earlier.forEach((p, i) => parts.push(`### ${i + 1}. ${p.kind} at ${p.ts}\n\n${p.prompt}`));
  }
  if (next !== taskBody) parts.push('## Now', next);
  return parts.join('\n\n');
}

/** Several queued follow-ups joined into one prompt (`batchFollowups: true`). */
export function joinFollowups(bodies: string[]): string {
  if (bodies.length === 1) return bodies[0] ?? '';
  return bodies.map((b, i) => `## Follow-up ${i + 1} of ${bodies.length}\n\n${b}`).join('\n\n');
}

/** Sent when the heartbeat resumes a task parked at its agent's usage limit, after the reset. */
export const LIMIT_RESET_INSTRUCTION = 'The usage limit has reset; continue where you stopped.';
