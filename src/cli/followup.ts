/** `baton followup <slug> [--steer|--interrupt] (TEXT | --file F)`. */
import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { BatonError } from '../domain/errors.js';
import type { FollowupMode } from '../domain/types.js';
import type { FollowupResult } from '../ops/followup.js';

/** Registers `followup`. */
export function registerFollowup(program: Command): void {
  program
    .command('followup')
    .description(
      'Send a task more instructions: queued after the current run (default), steered into the live session, or interrupting it.',
    )
    .argument('<slug>', 'the task')
    .argument('[text...]', 'the instruction (or use --file)')
    .option(
      '--steer',
      'put it into the running session now where the agent takes live input; otherwise queue it',
    )
    .option(
      '--interrupt',
      'interrupt the running agent and continue its session with this, ahead of queued ones',
    )
    .option('--file <file>', 'read the instruction from a file (- for stdin)')
    .action(
      async (
        slug: string,
        words: string[],
        opts: { steer?: boolean; interrupt?: boolean; file?: string },
      ) => {
        if (opts.steer && opts.interrupt) {
          throw new BatonError('USAGE', 'Choose one of --steer and --interrupt, not both.');
        }
        if (opts.file !== undefined && words.length > 0) {
          throw new BatonError('USAGE', 'Give the instruction as TEXT or with --file, not both.');
        }
        const text = opts.file !== undefined ? await readText(opts.file) : words.join(' ');
        const mode: FollowupMode = opts.steer ? 'steer' : opts.interrupt ? 'interrupt' : 'queue';
        const { openRepo } = await import('../ops/repo.js');
        const { sendFollowup } = await import('../ops/followup.js');
        const repo = await openRepo(process.cwd());
        const r = await sendFollowup(repo, slug, mode, text);
        process.stdout.write(`${describeFollowup(slug, r)}\n`);
      },
    );
}

/** What became of an accepted follow-up, in words: who runs it, and when. */
export function describeFollowup(slug: string, r: FollowupResult): string {
  const as = r.number === null ? '' : ` as #${r.number}`;
  if (r.forwardedTo !== undefined)
    return `sent to host ${r.forwardedTo}, which holds ${slug}: its watcher takes it from the remote inbox (${r.id})`;
  if (r.worker === null && r.blocked === true)
    return `queued${as} for ${slug}; it runs after the task's first run, which waits: ${r.waiting ?? ''}`;
  if (r.worker === null && r.waiting !== undefined)
    return `queued${as} for ${slug}; it runs when the limit resets: ${r.waiting}`;
  if (r.worker === null) return `queued${as} for ${slug}; the next worker for ${slug} runs it`;
  if (r.worker.started) return `accepted${as}; starting a worker for ${slug} (pid ${r.worker.pid})`;
  switch (r.mode) {
    case 'queue':
      return `queued${as} for ${slug} (runs after the current run)`;
    case 'steer':
      return r.liveInput
        ? `steered${as} into ${slug}'s running session`
        : `queued${as}: ${slug}'s agent (${r.agent}) takes no live input, so it runs after the current run`;
    case 'interrupt':
      return `accepted${as}: interrupting ${slug}'s agent; this runs next in the same session`;
  }
}

async function readText(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    throw new BatonError('USAGE', `Cannot read the follow-up file ${file}.`, { hint: 'Check the path.' });
  }
}
