/** `baton history <slug> [--json]`: every prompt and run, in order. */
import type { Command } from 'commander';
import { readJsonl, type HistoryRecord } from '../store/history.js';
import { taskPaths } from '../store/paths.js';

/** Registers `history`. */
export function registerHistory(program: Command): void {
  program
    .command('history')
    .description("Print a task's history: every prompt sent, every run, every state change.")
    .argument('<slug>', 'the task')
    .option('--json', 'print the raw JSON lines')
    .action(async (slug: string, opts: { json?: boolean }) => {
      const { assertSlug, openRepo } = await import('../ops/repo.js');
      assertSlug(slug);
      const repo = await openRepo(process.cwd());
      const { records, skipped } = await readJsonl<HistoryRecord>(taskPaths(repo.paths, slug).historyFile);
      if (opts.json) {
        for (const r of records) process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      if (records.length === 0) process.stdout.write(`No history for ${slug} yet.\n`);
      for (const r of records) process.stdout.write(renderRecord(r));
      if (skipped > 0)
        process.stdout.write(
          `(${skipped} unreadable line${skipped === 1 ? '' : 's'} skipped: a write torn by a crash)\n`,
        );
    });
}

/** One history record as readable text; prompts in full, indented. */
export function renderRecord(r: HistoryRecord): string {
  const { ts, type, runId, ...rest } = r;
  const head = `${ts}  ${runId ?? '-'}  ${type}`;
  if (type === 'prompt_sent' || type === 'followup_received') {
    const { prompt, body, ...meta } = rest as { prompt?: unknown; body?: unknown };
    const text = String(prompt ?? body ?? '');
    return `${head} ${details(meta)}\n${indent(text)}\n`;
  }
  return `${head} ${details(rest)}\n`;
}

function details(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    │ ${l}`)
    .join('\n');
}
