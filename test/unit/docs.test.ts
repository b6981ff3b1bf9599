/**
 * The reference must not drift from the code: every history event type the code declares and
 * every baton.yaml key it accepts has a row in docs/reference.md, and no row names one the
 * code does not have.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KNOWN_KEYS } from '../../src/config/parse.js';
import { HISTORY_TYPES } from '../../src/domain/history.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const reference = readFileSync(path.join(root, 'docs/reference.md'), 'utf8');

/** The first-column names (in backticks) of the table under `## <heading>`. */
function tableNames(heading: string): string[] {
  const start = reference.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`docs/reference.md has no section "## ${heading}"`);
  const end = reference.indexOf('\n## ', start + 1);
  const section = reference.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1] ?? '');
}

describe('docs/reference.md', () => {
  it('lists exactly the history event types the code declares', () => {
    expect(tableNames('History events').sort()).toEqual([...HISTORY_TYPES].sort());
  });

  it('lists exactly the baton.yaml keys the config parser accepts', () => {
    expect(tableNames('Configuration').sort()).toEqual([...KNOWN_KEYS].sort());
  });
});
