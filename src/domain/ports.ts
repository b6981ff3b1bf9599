/**
 * Choosing a task's port block (BATON_PORT … BATON_PORT + BATON_PORT_COUNT - 1) so that no two
 * live task worktrees share a port. Pure: the caller reads the blocks taken and records the
 * choice under the repository lock (worktree/ports.ts), which is what makes it race-free.
 */

/** A block of ports: `base` and the `count` ports from it. */
export interface PortBlock {
  base: number;
  count: number;
}

/** The highest port there is. */
export const MAX_PORT = 65535;

/**
 * The lowest block of `want.count` ports starting at or after `want.base` that overlaps none of
 * `taken`; null when none fits below port 65535. Blocks of other sizes (a task that asked for
 * more) are respected: the candidates are `want.base` and the end of every block taken.
 */
export function allocatePortBlock(taken: readonly PortBlock[], want: PortBlock): PortBlock | null {
  const candidates = [want.base, ...taken.map((b) => b.base + b.count)]
    .filter((s) => s >= want.base)
    .sort((a, b) => a - b);
  for (const base of candidates) {
    if (base + want.count - 1 > MAX_PORT) return null;
    const block = { base, count: want.count };
    if (!taken.some((t) => overlaps(t, block))) return block;
  }
  return null;
}

/** True when the two blocks share a port. */
export function overlaps(a: PortBlock, b: PortBlock): boolean {
  return a.base < b.base + b.count && b.base < a.base + a.count;
}
