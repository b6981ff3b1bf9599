/**
 * The two-line `sh` trampoline through which baton starts a process that must record its own
 * start: it appends a history line naming its own pid, then `exec`s the program in the same
 * process. The line is written by the started process itself, before the program runs, so it is
 * there even when whoever started it is killed -9 the instant after the spawn: an agent
 * (`agent_started`, worker/agent-run.ts) and a setup command (`setup_command_started`,
 * worktree/setup.ts).
 */

/**
 * Appends `$1` + its pid + `}` to the file `$2` as one O_APPEND write (dash and bash printf
 * flush a short line in one write), then becomes the program. `$$` is the shell's pid, which
 * `exec` keeps. A failed append starts nothing (exit 125).
 */
export const RECORDING_TRAMPOLINE = 'printf \'%s%s}\\n\' "$1" "$$" >>"$2" || exit 125; shift 2; exec "$@"';

/** A history record's JSON up to its `pid`, which the trampoline appends: `{…,"pid":`. */
export function recordUpToPid(record: Record<string, unknown>): string {
  return `${JSON.stringify(record).slice(0, -1)},"pid":`;
}

/** The arguments of `sh` that record `prefix`+pid in `historyFile`, then run `program args`. */
export function trampolineArgs(
  name: string,
  prefix: string,
  historyFile: string,
  program: string,
  args: readonly string[],
): string[] {
  return ['-c', RECORDING_TRAMPOLINE, name, prefix, historyFile, program, ...args];
}
