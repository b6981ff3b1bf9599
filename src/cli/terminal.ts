/**
 * What the output stream can show: how wide a line may be, and whether to colour. Read here, in
 * the CLI, so that what renders (board-text.ts, text-fit.ts) stays pure.
 */
import { styleText } from 'node:util';

/** How output is to be laid out. */
export interface Terminal {
  /** The widest a line may be. */
  width: number;
  /** Whether to write colour codes. */
  color: boolean;
}

/** Width when neither the terminal nor `COLUMNS` says: what a person's terminal opens with. */
export const DEFAULT_WIDTH = 80;

/**
 * The terminal `stream` writes to: the width is the terminal's columns, else `COLUMNS` when set
 * to a positive number, else 80; colour is Node's own judgement (a TTY that supports it, `NO_COLOR`,
 * `FORCE_COLOR`, `NODE_DISABLE_COLORS`, `TERM=dumb`), asked through `util.styleText`.
 */
export function terminalOf(
  stream: NodeJS.WriteStream,
  env: Record<string, string | undefined> = process.env,
): Terminal {
  const columns = stream.isTTY ? stream.columns : undefined;
  const fromEnv = Number.parseInt(env['COLUMNS'] ?? '', 10);
  const width = columns !== undefined && columns > 0 ? columns : fromEnv > 0 ? fromEnv : DEFAULT_WIDTH;
  return { width, color: styleText('red', 'x', { stream }) !== 'x' };
}
