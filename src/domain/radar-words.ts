/**
 * What the conflict radar says, to a person and to an agent, and which git it can run on. Pure;
 * the decisions are radar.ts.
 */
import type { TaskConflict } from './radar.js';

/** The follow-up an agent is sent about a new conflict (`onConflict: followup`). */
export function conflictFollowupText(c: TaskConflict, own: { branch: string; base: string }): string {
  const files = c.files.map((f) => `- ${f}`).join('\n');
  const what =
    c.kind === 'base'
      ? `Your branch ${own.branch} no longer merges cleanly into its base ${own.base}: these files conflict with what was committed on ${own.base} since you started:`
      : `Your branch ${own.branch} and ${c.branch} (task ${c.with}) change the same lines of these files, so the one merged second will conflict:`;
  return `${what}\n${files}\n\nRebase onto ${own.base} (\`git fetch\` if it is remote, then \`git rebase ${own.base}\`), resolve the conflicts keeping both sides' intent, run the tests, and commit.${
    c.kind === 'task'
      ? ` If ${c.branch} is not merged yet, keep your changes to these files small; they may need another rebase once it is.`
      : ''
  }\n`;
}

/** One line a person reads about a conflict: `conflicts with beta (task/beta) in a.ts, b.ts`. */
export function describeConflict(c: TaskConflict): string {
  const with_ = c.kind === 'base' ? `its base ${c.with}` : `${c.with} (${c.branch})`;
  return `conflicts with ${with_} in ${listFiles(c.files)}`;
}

function listFiles(files: readonly string[]): string {
  const shown = files.slice(0, 3).join(', ');
  return files.length > 3 ? `${shown} and ${files.length - 3} more` : shown;
}

/** The oldest git whose `merge-tree --write-tree` the radar can use. */
export const RADAR_MIN_GIT = [2, 38] as const;

/** The version `git version` printed, as numbers; null when it cannot be read. */
export function parseGitVersion(text: string): [number, number, number] | null {
  const m = /git version (\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

/** True unless `git version`'s text names a git older than RADAR_MIN_GIT (unreadable: let the merge tell). */
export function supportsRadar(versionText: string | null): boolean {
  const v = versionText === null ? null : parseGitVersion(versionText);
  if (v === null) return true;
  const [major, minor] = RADAR_MIN_GIT;
  return v[0] > major || (v[0] === major && v[1] >= minor);
}

/** The one sentence said, and shown in status, when git is too old for the radar. */
export function oldGitMessage(version: string | null): string {
  const v = version ?? 'this git';
  return `The conflict radar is off: ${v} is older than git ${RADAR_MIN_GIT.join('.')}, whose \`git merge-tree --write-tree\` it needs; upgrade git to turn it on.`;
}
