/** Finding the real agent CLIs for the opt-in suites. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The executable `name` in $BATON_REAL_AGENTS_DIR/node_modules/.bin or on PATH, or null. */
export function locate(name: string): string | null {
  const dirs = [
    ...(process.env.BATON_REAL_AGENTS_DIR
      ? [join(process.env.BATON_REAL_AGENTS_DIR, 'node_modules', '.bin')]
      : []),
    ...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''),
  ];
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}
