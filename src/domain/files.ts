/**
 * What a directory entry directly in `tasks/` is, judged by its name alone (docs/reference.md, "Files baton writes").
 * Pure. The name is never trusted: only a name that yields a valid slug can become a task or a
 * follow-up, so no name can point outside `tasks/`.
 */
import { isValidSlug, SLUG_PATTERN } from './slug.js';

/** The kinds of entry in `tasks/`; `reason` is a sentence fragment saying what is wrong and what to do. */
export type Entry =
  | { kind: 'ignored'; reason: string }
  | { kind: 'task'; slug: string }
  | { kind: 'bad-task'; slug: null; reason: string }
  | { kind: 'followup'; slug: string; label: string | null }
  /** `slug` is set when the slug part is valid and only the label is not. */
  | { kind: 'bad-followup'; slug: string | null; reason: string };

/** A follow-up label: the part between slug and `.followup.md`, to tell several drops apart. */
export const LABEL_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const FOLLOWUP_SUFFIX = '.followup.md';
const SLUG_RULE = `a slug is 1 to 63 lower-case letters, digits and dashes, starting with a letter or digit (${SLUG_PATTERN.source})`;

/** Classifies the name of an entry directly in `tasks/`. */
export function classifyTaskEntry(name: string): Entry {
  const ignoredWhy = ignoreReason(name);
  if (ignoredWhy !== undefined) return { kind: 'ignored', reason: ignoredWhy };
  if (name.endsWith(FOLLOWUP_SUFFIX)) return classifyFollowup(name.slice(0, -FOLLOWUP_SUFFIX.length));
  const stem = name.slice(0, -'.md'.length);
  if (isValidSlug(stem)) return { kind: 'task', slug: stem };
  return {
    kind: 'bad-task',
    slug: null,
    reason: `"${printable(name)}" is not a valid task file name: ${whatIsWrong(stem)}; name it <slug>.md, where ${SLUG_RULE}`,
  };
}

/**
 * A file name as it may be shown on one line: control characters (a newline in a name could
 * forge a line of output) are escaped as in JSON.
 */
export function printable(name: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name) ? JSON.stringify(name).slice(1, -1) : name;
}

function ignoreReason(name: string): string | undefined {
  // Editors and writers that rename into place (baton's own included) use these names for work
  // in progress; `.rejected` files were already judged.
  if (name.startsWith('.')) return 'hidden files are ignored';
  if (name.endsWith('.tmp') || name.endsWith('~')) return 'temporary files are ignored';
  if (name.endsWith('.rejected')) return 'rejected follow-ups are kept for reference only';
  if (!name.endsWith('.md')) return 'only <slug>.md and follow-up files are read';
  // People keep a README in tasks/; upper case can never be a slug, so it cannot be meant as a task.
  if (name === 'README.md') return 'README.md is documentation, not a task';
  return undefined;
}

function classifyFollowup(stem: string): Entry {
  const dot = stem.indexOf('.');
  const slug = dot === -1 ? stem : stem.slice(0, dot);
  const label = dot === -1 ? null : stem.slice(dot + 1);
  const usage = `name it <slug>.followup.md or <slug>.<label>.followup.md, where ${SLUG_RULE} and a label is 1 to 64 letters, digits, "_" and "-"`;
  if (!isValidSlug(slug)) {
    return {
      kind: 'bad-followup',
      slug: null,
      reason: `"${printable(stem + FOLLOWUP_SUFFIX)}" is not a valid follow-up name: ${whatIsWrong(slug)}; ${usage}`,
    };
  }
  if (label !== null && !LABEL_PATTERN.test(label)) {
    return {
      kind: 'bad-followup',
      slug,
      reason: `"${printable(stem + FOLLOWUP_SUFFIX)}" is not a valid follow-up name: the label "${printable(label)}" is not 1 to 64 letters, digits, "_" and "-"; ${usage}`,
    };
  }
  return { kind: 'followup', slug, label };
}

function whatIsWrong(slug: string): string {
  if (slug === '') return 'the slug is empty';
  if (slug.length > 63) return `the slug is ${slug.length} characters long, at most 63 are allowed`;
  if (slug.startsWith('-')) return 'the slug starts with "-"';
  if (/[A-Z]/.test(slug)) return 'the slug has upper-case letters';
  if (slug.includes('/') || slug.includes('\\')) return 'the slug has a slash';
  if (slug.includes('.')) return 'the slug has a dot';
  const bad = [...slug].find((c) => !/[a-z0-9-]/.test(c)) ?? '';
  return `the slug has the character "${printable(bad)}"`;
}
