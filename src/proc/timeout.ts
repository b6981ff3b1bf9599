/**
 * Waiting on a promise for a bounded time: how long an agent gets after a signal, how long its
 * output pipes get to drain, how long a dispatch may take. One home, so "did it settle?" and
 * "fail when it did not" cannot drift apart again.
 */

/**
 * True when `p` settles (fulfils or rejects) within `ms`, false when the time runs out first.
 * Never rejects: the caller asks only whether it ended; `p`'s outcome is read elsewhere.
 */
export function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const settled = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    p.then(settled, settled);
  });
}

/**
 * `p`'s value when it settles within `ms`; otherwise rejects with an Error carrying `message`.
 * A rejection of `p` within the time is passed on (as an Error). `p` itself is not cancelled.
 */
export async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  if (!(await settlesWithin(p, ms))) throw new Error(message);
  return p.catch((e: unknown) => {
    throw e instanceof Error ? e : new Error(String(e));
  });
}
