/** The benchmark's summaries of samples. */

/** The `q` quantile of `xs` by the nearest-rank method (NaN for no samples). */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i] as number;
}

/** The nearest-rank median: with an even count, the lower middle sample (not their mean). */
export const median = (xs: number[]): number => quantile(xs, 0.5);

/** Rounded to one decimal, as every figure in results.json is. */
export const r1 = (x: number): number => Math.round(x * 10) / 10;
