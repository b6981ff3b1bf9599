/**
 * Changes staged by hand in a live task's worktree (docs/design.md, "What the hooks cannot
 * protect"). The hook refuses a person's commit there, but what they staged stays in that
 * worktree's index, and the agent's next `git commit` would take it in without a word. So the
 * refusal says so and records what was staged; the agent's next commit is compared with that
 * record, and a commit that carries it is reported (`hand_staged_committed`), not blocked: a
 * refused commit would only confuse the agent. Pure: the shapes, the comparison, the sentences.
 */

/** One path staged in an index, as `git diff --cached --raw` names it. */
export interface StagedEntry {
  path: string;
  /** The staged mode (`100644`; `000000` for a deletion). */
  mode: string;
  /** The staged blob id (all zeros for a deletion). */
  blob: string;
}

/** What a refusal records (`dispatch-<slug>.refused-index.json` in tasks/logs/). */
export interface RefusedIndex {
  /** When the last refusal with staged changes was. */
  ts: string;
  /** The worktree whose index it is. */
  worktree: string;
  /** What was staged, one entry per path (the last refusal's entry wins). */
  entries: StagedEntry[];
}

/** The `hand_staged_committed` event as status shows it (`dispatch-<slug>.hand-staged.json`). */
export interface HandStagedNotice {
  ts: string;
  /** The run whose agent made the commit. */
  runId: string;
  paths: string[];
  /** When the person's commit was refused. */
  refusedAt: string;
}

/** The same path with the same content and mode. */
function same(a: StagedEntry, b: StagedEntry): boolean {
  return a.path === b.path && a.blob === b.blob && a.mode === b.mode;
}

/** The entries of a new refusal merged into an earlier record's: one per path, the newer wins. */
export function mergeEntries(earlier: readonly StagedEntry[], now: readonly StagedEntry[]): StagedEntry[] {
  const paths = new Set(now.map((e) => e.path));
  return [...earlier.filter((e) => !paths.has(e.path)), ...now];
}

/**
 * Compares a record with a commit about to be made: `committed` are the recorded entries this
 * commit carries as they were staged; `left` those still staged in the worktree's index (`staged`)
 * and not in this commit, to compare with the next one. The rest, taken back out or changed
 * since, are forgotten.
 */
export function settle(
  recorded: readonly StagedEntry[],
  commit: readonly StagedEntry[],
  staged: readonly StagedEntry[],
): { committed: StagedEntry[]; left: StagedEntry[] } {
  const committed = recorded.filter((r) => commit.some((c) => same(r, c)));
  const left = recorded.filter((r) => !committed.includes(r) && staged.some((s) => same(r, s)));
  return { committed, left };
}

/** `a, b, c and 4 more`: the first `few` paths, then how many others. */
export function listPaths(paths: readonly string[], few = 3): string {
  const shown = paths.slice(0, few).join(', ');
  return paths.length > few ? `${shown} and ${paths.length - few} more` : shown;
}

/** `s` as one shell word: bare when it is plain, else single-quoted. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** What the refusal adds when changes are staged: the sentence's end, and how to take them out. */
export function stagedWords(
  slug: string,
  worktree: string,
  paths: readonly string[],
  few = 3,
): { clause: string; hint: string } {
  // The exact paths when they are few; past that, the whole index (what is staged then is theirs).
  const which = paths.length <= few ? paths.map(shellWord).join(' ') : ':/';
  return {
    clause: `; what you staged (${listPaths(paths, few)}) stays in this worktree's index, and the agent's next commit would take it in`,
    hint:
      `Take it back out now: \`git stash push --staged -m ${shellWord(`refused while ${slug} ran`)}\` keeps it aside (\`git stash pop\` once the worker is done), ` +
      `or \`git -C ${shellWord(worktree)} restore --staged -- ${which}\` unstages it (your edits stay in the files, where the agent may still add them).`,
  };
}

/** The line the agent's commit prints (and so its log shows) when it carries hand-staged changes. */
export function committedLine(slug: string, paths: readonly string[], refusedAt: string): string {
  return `baton: this commit includes changes someone staged by hand in task ${slug}'s worktree while the worker ran (${listPaths(paths)}; their own commit was refused at ${refusedAt}); the commit goes on, and \`baton history ${slug}\` records it.`;
}

/** The note `baton status` shows for the task while the run that made that commit is its latest. */
export function noticeNote(n: HandStagedNotice): string {
  return `agent committed hand-staged ${listPaths(n.paths, 2)} (see baton history)`;
}
