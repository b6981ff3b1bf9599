/**
 * The page's "new task" form: a task file `tasks/<slug>.md` written whole, never over an existing
 * one. The slug is checked as every command checks it (`assertSlug`), and the text is parsed as
 * the watcher will parse it before anything is written, so the form cannot leave an invalid task.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BatonError, formatProblem } from '../domain/errors.js';
import { assertSlug, type Repo } from '../ops/repo.js';
import { parseTaskText } from '../store/taskfiles.js';

/** What the form sends. Empty strings mean "not set". */
export interface NewTaskInput {
  slug: string;
  title?: string;
  agent?: string;
  base?: string;
  priority?: string | number;
  status?: string;
  prompt: string;
}

/** The file's text: front matter with the keys given (as JSON scalars, valid YAML), then the prompt. */
export function newTaskText(input: NewTaskInput): string {
  const lines: string[] = [];
  const add = (key: string, v: string | number | undefined): void => {
    if (v === undefined || String(v).trim() === '') return;
    const s = String(v).trim();
    lines.push(`${key}: ${key === 'priority' && /^-?\d+$/.test(s) ? s : JSON.stringify(s)}`);
  };
  add('title', input.title);
  add('agent', input.agent);
  add('base', input.base);
  add('priority', input.priority);
  add('status', input.status);
  const body = input.prompt.replace(/\r\n/g, '\n').trimEnd();
  return lines.length === 0 ? `${body}\n` : `---\n${lines.join('\n')}\n---\n${body}\n`;
}

/** Writes `tasks/<slug>.md`; refuses a bad slug, an empty prompt, an invalid task or an existing file. */
export async function createTask(repo: Repo, input: NewTaskInput): Promise<string> {
  assertSlug(input.slug);
  if (input.prompt.trim() === '')
    throw new BatonError('USAGE', 'The prompt is empty.', { hint: 'Say what the agent should do.' });
  const name = `${input.slug}.md`;
  const text = newTaskText(input);
  const parsed = await parseTaskText(name, text);
  if (!parsed.ok)
    throw new BatonError(
      'BAD_TASK',
      `tasks/${name} would be invalid: ${parsed.error.map(formatProblem).join('; ')}.`,
      {
        hint: 'Correct the form and create it again.',
      },
    );
  const file = path.join(repo.paths.tasksDir, name); // a valid slug keeps it inside tasks/
  // A dot name the watcher ignores, written whole, then linked: link fails if the task exists.
  const temp = path.join(repo.paths.tasksDir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  const h = await fs.open(temp, 'wx');
  try {
    await h.writeFile(text);
    await h.sync();
  } finally {
    await h.close();
  }
  try {
    await fs.link(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new BatonError('USAGE', `Task ${input.slug} already exists: tasks/${name} is there.`, {
        hint: 'Choose another slug, or edit the file.',
      });
    throw err;
  } finally {
    await fs.unlink(temp).catch(() => undefined);
  }
  return `created tasks/${name}`;
}
