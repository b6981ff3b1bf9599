/** Parsing a follow-up drop `tasks/<slug>[.<label>].followup.md` (docs/reference.md, "Files baton writes"; docs/design.md, "Follow-ups reach an agent exactly once"). Pure. */
import type { Problem, Result } from './errors.js';
import { extraFields, fieldReader, parseFrontMatter } from './frontmatter.js';
import type { FollowupMode } from './types.js';

/** The values a follow-up's `mode` front-matter key may take. */
export const FOLLOWUP_MODES: readonly FollowupMode[] = ['queue', 'steer', 'interrupt'];

/** A parsed follow-up: how it reaches the agent, and the instruction itself. */
export interface ParsedFollowup {
  mode: FollowupMode;
  /** The instruction; never empty. */
  body: string;
  /** Unknown front-matter keys, kept and ignored. */
  extra: Record<string, unknown>;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set(['mode']);

/**
 * Parses the text of the follow-up drop `file`: optional front matter with `mode` (default
 * `queue`), then the instruction, which must not be empty. Reports every problem; never throws.
 */
export function parseFollowup(file: string, text: string): Result<ParsedFollowup, Problem[]> {
  try {
    const fm = parseFrontMatter(file, text);
    if (!fm.ok) return fm;
    const { fields, body } = fm.value;
    const problems: Problem[] = [];
    const mode = fieldReader(file, fields, problems)(
      'mode',
      (v) => FOLLOWUP_MODES.find((m) => m === v),
      `one of ${FOLLOWUP_MODES.join(', ')}`,
    );
    if (body === '') {
      problems.push({
        file,
        message: 'the follow-up is empty; write the instruction after the front matter',
      });
    }
    if (problems.length > 0) return { ok: false, error: problems };
    return { ok: true, value: { mode: mode ?? 'queue', body, extra: extraFields(fields, KNOWN_KEYS) } };
  } catch (e) {
    // Defensive: a parser bug must reject the drop, never stop the watcher.
    return { ok: false, error: [{ file, message: `could not be parsed: ${String(e)}` }] };
  }
}
