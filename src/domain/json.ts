/** Telling plain JSON data from values that would not survive a round trip through JSON. Pure. */

/**
 * True when `v` reads back from JSON as it was: strings, finite numbers (not -0), booleans, null,
 * arrays and plain objects of those (an object's property may also be undefined: it comes back
 * missing, which the reader cannot tell apart). NaN, Infinity (YAML `.nan`, `.inf`) and anything
 * with a prototype would not.
 */
export function isPlainJson(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every(isPlainJson);
  if (typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(v).every((x) => x === undefined || isPlainJson(x));
}
