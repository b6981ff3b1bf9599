/**
 * `baton init --skills`: copies the agent-facing docs that ship in baton's package into the
 * managed repository, never over a file that is already there (not even a symlink): an
 * existing AGENTS.md is the repository's own, and baton says where its version is instead.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatonError } from '../domain/errors.js';
import { findRepo } from '../git/repo.js';

/** One shipped doc: where it is in the package, where it goes in the repository. */
export interface ShippedDoc {
  /** Path in the package, relative to its root (listed in package.json `files`). */
  source: string;
  /** Path in the managed repository, relative to its root. */
  target: string;
  /** What it is, for the line that says it was written. */
  what: string;
}

/**
 * The docs `--skills` installs. The skill goes where the spec puts it (`.codex/skills/`) and
 * where current Codex releases discover repository skills (`.agents/skills/`).
 */
export const SHIPPED_DOCS: readonly ShippedDoc[] = [
  { source: 'AGENTS.md', target: 'AGENTS.md', what: 'how agents work in a baton-managed repository' },
  {
    source: '.codex/skills/task-manager/SKILL.md',
    target: '.codex/skills/task-manager/SKILL.md',
    what: 'the operator flow as a Codex skill',
  },
  {
    source: '.codex/skills/task-manager/SKILL.md',
    target: '.agents/skills/task-manager/SKILL.md',
    what: 'the same skill where current Codex looks for repository skills',
  },
];

/** The package root: dist/ops/skills.js is two folders below it. */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/**
 * Installs the shipped docs into the repository around `cwd`; returns one line per doc saying
 * what was written or why it was skipped.
 */
export async function installSkills(
  cwd: string,
  docs: readonly ShippedDoc[] = SHIPPED_DOCS,
  from: string = packageRoot(),
): Promise<string[]> {
  const { root } = await findRepo(cwd);
  const lines: string[] = [];
  for (const doc of docs) {
    const source = path.join(from, doc.source);
    let text: string;
    try {
      text = await fs.readFile(source, 'utf8');
    } catch {
      throw new BatonError('INTERNAL', `baton's ${doc.source} is missing from its package (${source}).`, {
        hint: 'Reinstall baton (npm install -g agent-baton); if it persists, please report it.',
      });
    }
    const target = path.join(root, doc.target);
    await fs.mkdir(path.dirname(target), { recursive: true });
    try {
      // wx: create only. It fails on anything already there, a dangling symlink included.
      await fs.writeFile(target, text, { flag: 'wx' });
      lines.push(`wrote ${doc.target} (${doc.what})`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      lines.push(`skipped ${doc.target}: it already exists; baton's version is ${source}`);
    }
  }
  return lines;
}
