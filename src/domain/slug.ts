/** A task slug: lower-case letters, digits and dashes, starting with a letter or digit, 1–63 chars. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** True when `s` is a valid slug; a valid slug can never name a path outside `tasks/`. */
export function isValidSlug(s: string): boolean {
  return SLUG_PATTERN.test(s);
}

/** Why `s` is not a valid slug, in words a user can act on; undefined when it is valid. */
export function slugProblem(s: string): string | undefined {
  if (isValidSlug(s)) return undefined;
  if (s.length === 0) return 'the slug is empty';
  if (s.length > 63) return `the slug is ${s.length} characters long; at most 63 are allowed`;
  return `"${printable(s)}" is not a valid slug: use lower-case letters, digits and dashes, starting with a letter or digit (^[a-z0-9][a-z0-9-]{0,62}$)`;
}

function printable(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}
