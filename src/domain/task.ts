/** Parsing a task file `tasks/<slug>.md` (docs/reference.md, "Files baton writes") into a `Task`. Pure. */
import type { Problem, Result } from './errors.js';
import { byLine, extraFields, fieldReader, parseFrontMatter } from './frontmatter.js';
import { AFTER_BASE, parseAfter } from './dependencies.js';
import { parseSetupSections, SETUP_KEYS, type SetupProblem } from './setup.js';
import type { Task, TaskFileStatus } from './types.js';

/** The values a task's `status` front-matter key may take, in the order they are listed to users. */
export const TASK_FILE_STATUSES: readonly TaskFileStatus[] = ['draft', 'ready', 'done', 'cancelled'];

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'status',
  'agent',
  'base',
  'priority',
  'title',
  'after',
  'after-merge',
  'onConflict',
  ...SETUP_KEYS,
]);

/**
 * Parses the text of the task file `file` (relative, e.g. `tasks/alpha.md`) for task `slug`.
 * Every problem found is reported, each naming the file, the line where known, what was expected
 * and what was found. A key written with no value (`agent:`) counts as not set. Never throws.
 */
export function parseTask(file: string, slug: string, text: string): Result<Task, Problem[]> {
  try {
    return parse(file, slug, text);
  } catch (e) {
    // Defensive: a parser bug must show as an invalid task, never stop the watcher.
    return { ok: false, error: [{ file, message: `could not be parsed: ${String(e)}` }] };
  }
}

function parse(file: string, slug: string, text: string): Result<Task, Problem[]> {
  const fm = parseFrontMatter(file, text);
  if (!fm.ok) return fm;
  const { fields, body } = fm.value;
  const problems: Problem[] = [];
  const read = fieldReader(file, fields, problems);

  const status = read(
    'status',
    (v) => TASK_FILE_STATUSES.find((s) => s === v),
    `one of ${TASK_FILE_STATUSES.join(', ')}`,
  );
  const agent = read('agent', nonEmptyString, 'the name of an agent in baton.yaml');
  const base = read('base', nonEmptyString, 'a branch name (quote it if it looks like a number)');
  const priority = read(
    'priority',
    (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined),
    'an integer (higher runs first)',
  );
  const title = read(
    'title',
    (v) => (typeof v === 'string' ? v : undefined),
    'text (quote it if it looks like a number)',
  );
  const after = read('after', parseAfter, 'a list of task slugs, e.g. [schema, api]') ?? [];
  const afterMerge = read('after-merge', (v) => (typeof v === 'boolean' ? v : undefined), 'true or false');
  if (base === AFTER_BASE && after.length !== 1) {
    const line = fields.get('base')?.line;
    const message = `base: ${AFTER_BASE} starts from the branch of the one task in \`after:\`, but after: names ${after.length === 0 ? 'none' : `${after.length} (${after.join(', ')})`}; name exactly one, or set base: to a branch`;
    problems.push(line === undefined ? { file, message } : { file, line, message });
  }
  const onConflict = read(
    'onConflict',
    (v) => (v === 'report' || v === 'followup' ? v : undefined),
    'report or followup',
  );
  // setup/teardown/ports override baton.yaml's key by key (domain/setup.ts); warnings are ignored
  // here as for any unknown front-matter key.
  const setupProblems: SetupProblem[] = [];
  const worktreeSetup = parseSetupSections((k) => fields.get(k)?.value ?? null, setupProblems);
  for (const p of setupProblems) {
    if (p.warning) continue;
    const line = fields.get(p.path[0] ?? '')?.line;
    problems.push(line === undefined ? { file, message: p.message } : { file, line, message: p.message });
  }
  if (body === '') {
    problems.push({
      file,
      message: 'the task body (the prompt after the front matter) is empty; write the task there',
    });
  }
  if (problems.length > 0) return { ok: false, error: problems.sort(byLine) };
  return {
    ok: true,
    value: {
      slug,
      file,
      status: status ?? 'ready',
      agent,
      base,
      after,
      afterMerge: afterMerge ?? false,
      priority: priority ?? 0,
      title,
      body,
      worktreeSetup,
      extra: extraFields(fields, KNOWN_KEYS),
      ...(onConflict !== undefined ? { onConflict } : {}),
    },
  };
}

function nonEmptyString(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}
