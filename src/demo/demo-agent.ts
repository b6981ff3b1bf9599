/**
 * The demo agent that ships with baton (`baton demo` runs it as a command agent with
 * `outputFormat: claude`): a tiny stand-in for Claude Code that needs no model and no login.
 *
 *   node demo-agent.js [--resume <session id>] --prompt-file <file>
 *
 * It speaks Claude Code's print-mode stream-json (init, assistant messages with tool calls,
 * tool results, a result line), keeps its sessions in `$BATON_DEMO_HOME/sessions/`, and for
 * each prompt works a few steps, appends the prompt's first line to DEMO.md, and commits it.
 * SIGINT during a turn ends it the way Claude does: an "[Request interrupted by user]" line, an
 * error result, exit 0. A prompt containing `<!-- demo: steps=N -->` works N steps.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commitPaths } from '../git/commits.js';

const STEP_MS = 250;

interface Session {
  id: string;
  cwd: string;
  prompts: string[];
}

function print(obj: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function argValue(args: string[], flag: string): string | null {
  const i = args.indexOf(flag);
  return i >= 0 ? (args[i + 1] ?? null) : null;
}

function sessionFile(home: string, id: string): string {
  return path.join(home, 'sessions', `${id.replace(/[^A-Za-z0-9-]/g, '')}.json`);
}

function loadSession(home: string, id: string): Session | null {
  try {
    return JSON.parse(readFileSync(sessionFile(home, id), 'utf8')) as Session;
  } catch {
    return null;
  }
}

function saveSession(home: string, s: Session): void {
  mkdirSync(path.join(home, 'sessions'), { recursive: true });
  writeFileSync(sessionFile(home, s.id), JSON.stringify(s, null, 2));
}

/** The first line of the prompt that says something (comments and headings aside). */
function headline(prompt: string): string {
  const line = prompt
    .split('\n')
    .map((l) => l.replace(/<!--.*?-->/g, '').trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  return (line ?? 'Carry on.').slice(0, 120);
}

function commit(cwd: string, text: string): Promise<string> {
  appendFileSync(path.join(cwd, 'DEMO.md'), `- ${text}\n`);
  return commitPaths(cwd, ['DEMO.md'], `demo: ${text}`);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const home = process.env.BATON_DEMO_HOME ?? path.join(process.cwd(), '.demo-agent');
  const promptFile = argValue(args, '--prompt-file');
  if (promptFile === null) {
    process.stderr.write('Error: demo-agent needs --prompt-file <file>\n');
    return 2;
  }
  const prompt = readFileSync(promptFile, 'utf8');
  const resume = argValue(args, '--resume');
  const cwd = process.cwd();
  let session: Session;
  if (resume !== null) {
    const found = loadSession(home, resume);
    if (found === null || found.cwd !== cwd) {
      const error = `No conversation found with session ID: ${resume}`;
      print({
        type: 'result',
        subtype: 'error_during_execution',
        is_error: true,
        session_id: resume,
        errors: [error],
      });
      process.stderr.write(`${error}\n`);
      return 1;
    }
    session = found;
  } else {
    session = { id: randomUUID(), cwd, prompts: [] };
  }
  session.prompts.push(prompt);
  saveSession(home, session);
  const sid = { session_id: session.id };
  const say = (text: string): void =>
    print({ type: 'assistant', message: { role: 'assistant', content: [{ type: 'text', text }] }, ...sid });

  // Signals end the turn at the next step, like Claude's: SIGINT with an error result and exit
  // 0, SIGTERM with exit 143.
  let interrupted: 'SIGINT' | 'SIGTERM' | null = null;
  process.on('SIGINT', () => (interrupted ??= 'SIGINT'));
  process.on('SIGTERM', () => (interrupted = 'SIGTERM'));

  print({ type: 'system', subtype: 'init', cwd, model: 'baton-demo', tools: ['Edit', 'Bash'], ...sid });
  const what = headline(prompt);
  say(
    resume === null
      ? `New session. Task: ${what}`
      : `Resumed session (${session.prompts.length} prompts so far). Now: ${what}`,
  );
  const steps = Number(/<!--\s*demo:\s*steps=(\d+)\s*-->/.exec(prompt)?.[1] ?? 3);
  for (let i = 1; i <= steps; i++) {
    await new Promise((r) => setTimeout(r, STEP_MS));
    if (interrupted === 'SIGTERM') return 143;
    if (interrupted === 'SIGINT') {
      print({
        type: 'user',
        message: { role: 'user', content: [{ type: 'text', text: '[Request interrupted by user]' }] },
        ...sid,
      });
      print({
        type: 'result',
        subtype: 'error_during_execution',
        is_error: true,
        errors: ['interrupted'],
        ...sid,
      });
      return 0;
    }
    const id = `toolu_${i}`;
    print({
      type: 'assistant',
      message: {
        role: 'assistant',
        content: [{ type: 'tool_use', id, name: 'Edit', input: { file_path: 'DEMO.md', step: i } }],
      },
      ...sid,
    });
    print({
      type: 'user',
      message: {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: id, content: `step ${i}/${steps}` }],
      },
      ...sid,
    });
  }
  let sha: string;
  try {
    sha = await commit(cwd, what);
  } catch (err) {
    // Already `git <cmd> failed: <stderr>`.
    const message = (err as Error).message.split('\n')[0] ?? '';
    print({ type: 'result', subtype: 'success', is_error: true, result: message, ...sid });
    return 1;
  }
  say(`Committed ${sha}: ${what}`);
  print({
    type: 'result',
    subtype: 'success',
    is_error: false,
    result: `Committed ${sha}.`,
    num_turns: steps,
    ...sid,
  });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
