import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CommandAgentConfig, PresetAgentConfig } from '../../src/config/types.js';
import { MAX_ARGV_PROMPT_BYTES, createDriver } from '../../src/agents/index.js';
import type {
  AgentEvent,
  OutputParser,
  OutputStream,
  RunContext,
  RunOutcome,
} from '../../src/agents/index.js';
import { fillTemplate } from '../../src/agents/command.js';

const samples = fileURLToPath(new URL('../fixtures/samples/', import.meta.url));

function ctx(over: Partial<RunContext> = {}): RunContext {
  return {
    prompt: 'fix the bug',
    promptFile: '/repo/tasks/logs/prompts/t1.md',
    sessionId: null,
    slug: 't1',
    worktree: '/wt/t1',
    runId: 'run-1',
    ...over,
  };
}

function preset(p: 'claude' | 'codex', over: Partial<PresetAgentConfig> = {}): PresetAgentConfig {
  return { name: p, preset: p, bin: p, args: [], liveInput: false, env: {}, ...over };
}

function command(over: Partial<CommandAgentConfig> = {}): CommandAgentConfig {
  return {
    name: 'mine',
    preset: 'command',
    command: ['my-agent', '--prompt-file', '{promptFile}'],
    resume: ['my-agent', '--resume', '{sessionId}', '--prompt-file', '{promptFile}'],
    sessionIdPattern: 'session: (\\S+)',
    outputFormat: null,
    env: {},
    ...over,
  };
}

/** Feeds every line of `text` (or of a sample file) to a parser. */
function feed(parser: OutputParser, text: string, stream: OutputStream = 'stdout'): AgentEvent[] {
  return text.split('\n').flatMap((line) => parser.line(line, stream));
}
const sample = (name: string): string => readFileSync(`${samples}${name}`, 'utf8');

function run(
  parser: OutputParser,
  out: string,
  exit: { code: number | null; signal: string | null },
): { events: AgentEvent[]; outcome: RunOutcome } {
  const events = feed(parser, out);
  return { events, outcome: parser.finish(exit) };
}

const sessions = (events: AgentEvent[]): string[] =>
  events.flatMap((e) => (e.type === 'session' ? [e.id] : []));
const progress = (events: AgentEvent[]): AgentEvent[] => events.filter((e) => e.type === 'progress');

const huge = 'x'.repeat(MAX_ARGV_PROMPT_BYTES + 1);

describe('claude driver argv', () => {
  const d = createDriver(preset('claude', { args: ['--permission-mode', 'acceptEdits'] }));

  it('builds a new-session argv with the prompt last, after --', () => {
    expect(d.argv(ctx({ prompt: '- fix the bug' }), 'new')).toEqual([
      'claude',
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
      '--',
      '- fix the bug',
    ]);
    expect(d.stdin(ctx(), 'new')).toEqual({ kind: 'ignore' });
    expect(d.canResume).toBe(true);
    expect(d.liveInput).toBe(false);
  });

  it('resumes by session id', () => {
    expect(d.argv(ctx({ sessionId: 'abc' }), 'resume')).toEqual([
      'claude',
      '-p',
      '--resume',
      'abc',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
      '--',
      'fix the bug',
    ]);
  });

  it('refuses to resume without a session id', () => {
    expect(() => d.argv(ctx(), 'resume')).toThrow(/without a session id/);
  });

  it('with liveInput, sends the prompt on stdin as stream-json, never in argv', () => {
    const live = createDriver(preset('claude', { liveInput: true, bin: '/opt/claude' }));
    const argv = live.argv(ctx({ sessionId: 's1' }), 'resume');
    expect(argv).toEqual([
      '/opt/claude',
      '-p',
      '--resume',
      's1',
      '--output-format',
      'stream-json',
      '--verbose',
      '--input-format',
      'stream-json',
      '--replay-user-messages',
    ]);
    expect(argv).not.toContain('fix the bug');
    const line = '{"type":"user","message":{"role":"user","content":"fix the bug"}}\n';
    expect(live.stdin(ctx(), 'new')).toEqual({ kind: 'messages', first: line });
    expect(live.inputLine?.('fix the bug')).toBe(line);
    expect(JSON.parse(live.inputLine?.('a "quoted"\nline') ?? '')).toEqual({
      type: 'user',
      message: { role: 'user', content: 'a "quoted"\nline' },
    });
    expect(live.liveInput).toBe(true);
  });

  it('passes a prompt too large for argv on stdin as text', () => {
    const argv = d.argv(ctx({ prompt: huge, sessionId: 's1' }), 'resume');
    expect(argv).not.toContain(huge);
    expect(argv).not.toContain('--');
    expect(argv.slice(0, 4)).toEqual(['claude', '-p', '--resume', 's1']);
    expect(d.stdin(ctx({ prompt: huge }), 'new')).toEqual({ kind: 'text', text: huge });
  });

  it('measures the prompt in UTF-8 bytes', () => {
    const multiByte = 'é'.repeat(MAX_ARGV_PROMPT_BYTES / 2 + 1); // 2 bytes each
    expect(d.stdin(ctx({ prompt: multiByte }), 'new').kind).toBe('text');
    expect(d.stdin(ctx({ prompt: 'x'.repeat(MAX_ARGV_PROMPT_BYTES) }), 'new').kind).toBe('ignore');
  });
});

describe('codex driver argv', () => {
  const d = createDriver(preset('codex', { args: ['--sandbox', 'workspace-write'] }));

  it('builds exec --json with args before the prompt', () => {
    expect(d.argv(ctx({ prompt: '- do it' }), 'new')).toEqual([
      'codex',
      'exec',
      '--json',
      '--sandbox',
      'workspace-write',
      '--',
      '- do it',
    ]);
    expect(d.stdin(ctx(), 'new')).toEqual({ kind: 'ignore' });
    expect(d.liveInput).toBe(false);
    expect(d.inputLine).toBeUndefined();
  });

  it('repeats the args on resume, before the resume subcommand', () => {
    expect(d.argv(ctx({ sessionId: 't-1' }), 'resume')).toEqual([
      'codex',
      'exec',
      '--json',
      '--sandbox',
      'workspace-write',
      'resume',
      't-1',
      '--',
      'fix the bug',
    ]);
  });

  it('reads a huge prompt from stdin with -', () => {
    expect(d.argv(ctx({ prompt: huge, sessionId: 't-1' }), 'resume').slice(-3)).toEqual([
      'resume',
      't-1',
      '-',
    ]);
    expect(d.argv(ctx({ prompt: huge }), 'new').at(-1)).toBe('-');
    expect(d.stdin(ctx({ prompt: huge }), 'new')).toEqual({ kind: 'text', text: huge });
  });
});

describe('command driver argv', () => {
  it('substitutes placeholders, several in one element, without splitting', () => {
    const d = createDriver(
      command({
        command: [
          'run',
          '--task={slug}@{runId}',
          '{prompt}',
          'cd {worktree} && x',
          '{unknown}',
          '{promptFile}',
        ],
      }),
    );
    expect(d.argv(ctx({ prompt: 'two words; $(rm -rf /)' }), 'new')).toEqual([
      'run',
      '--task=t1@run-1',
      'two words; $(rm -rf /)',
      'cd /wt/t1 && x',
      '{unknown}',
      '/repo/tasks/logs/prompts/t1.md',
    ]);
  });

  it('substitutes in one pass: placeholders inside values stay as written', () => {
    expect(fillTemplate(['{prompt}'], ctx({ prompt: 'use {slug} and {sessionId}' }))).toEqual([
      'use {slug} and {sessionId}',
    ]);
    expect(fillTemplate(['id={sessionId}'], ctx())).toEqual(['id=']);
  });

  it('resumes with the resume template', () => {
    const d = createDriver(command());
    expect(d.canResume).toBe(true);
    expect(d.argv(ctx({ sessionId: 's9' }), 'resume')).toEqual([
      'my-agent',
      '--resume',
      's9',
      '--prompt-file',
      '/repo/tasks/logs/prompts/t1.md',
    ]);
    expect(d.stdin(ctx(), 'resume')).toEqual({ kind: 'ignore' });
  });

  it('cannot resume without a resume template', () => {
    const d = createDriver(command({ resume: null }));
    expect(d.canResume).toBe(false);
    expect(() => d.argv(ctx({ sessionId: 's9' }), 'resume')).toThrow(/no resume command/);
  });

  it('rejects a sessionIdPattern that does not compile', () => {
    expect(() => createDriver(command({ sessionIdPattern: 'session: (' }))).toThrow(
      expect.objectContaining({ code: 'BAD_CONFIG' }),
    );
  });
});

describe('claude parser on recorded output', () => {
  const parser = () => createDriver(preset('claude')).createParser();

  it('not logged in: session captured, no progress, failed with the agent message', () => {
    const { events, outcome } = run(parser(), sample('claude-print-not-logged-in.jsonl'), {
      code: 1,
      signal: null,
    });
    expect(sessions(events)).toEqual(['5a8241eb-8e1e-4628-a287-f66a20ce6b3b']);
    expect(progress(events)).toEqual([]);
    expect(events.filter((e) => e.type === 'result')).toEqual([
      { type: 'result', ok: false, error: 'Not logged in · Please run /login', sessionNotFound: false },
    ]);
    expect(outcome).toEqual({
      ok: false,
      error: 'Not logged in · Please run /login',
      sessionNotFound: false,
      sessionId: '5a8241eb-8e1e-4628-a287-f66a20ce6b3b',
      exitCode: 1,
      signal: null,
    });
  });

  it('resume keeps the session id', () => {
    const { outcome } = run(parser(), sample('claude-resume-not-logged-in.jsonl'), { code: 1, signal: null });
    expect(outcome.sessionId).toBe('5a8241eb-8e1e-4628-a287-f66a20ce6b3b');
    expect(outcome.sessionNotFound).toBe(false);
  });

  it('unknown session: sessionNotFound, and the missing id is not reported as a session', () => {
    const p = parser();
    const { events, outcome } = run(p, sample('claude-resume-unknown-session.jsonl'), {
      code: 1,
      signal: null,
    });
    expect(sessions(events)).toEqual([]);
    expect(outcome).toMatchObject({
      ok: false,
      sessionNotFound: true,
      sessionId: null,
      error: 'No conversation found with session ID: 00000000-0000-0000-0000-000000000000',
    });
  });

  it('success with a tool call: progress for text, tool_use and tool_result; ok', () => {
    const { events, outcome } = run(parser(), sample('claude-success-tool-use.jsonl'), {
      code: 0,
      signal: null,
    });
    expect(progress(events).map((e) => (e.type === 'progress' ? e.what : ''))).toEqual([
      'assistant: I will run a command.',
      'tool_use Bash',
      'tool_result',
      'assistant: Done: the command printed hi.',
    ]);
    expect(sessions(events)).toEqual(['1fd10160-6ced-49cd-8f82-a22ab00cb588']);
    expect(outcome).toMatchObject({ ok: true, error: null, sessionNotFound: false });
  });

  it('api retries are not progress; the final API error fails the run', () => {
    const { events, outcome } = run(parser(), sample('claude-api-error-after-retries.jsonl'), {
      code: 1,
      signal: null,
    });
    expect(progress(events)).toEqual([]);
    expect(events.filter((e) => e.type === 'noise').length).toBe(12);
    expect(outcome).toMatchObject({
      ok: false,
      error: 'API Error: Unable to connect to API (ConnectionRefused)',
    });
  });

  it('SIGINT: the result is failed with the interruption in words, even though the exit code is 0', () => {
    for (const [file, said] of [
      ['claude-sigint-during-api-retry.jsonl', 'Request interrupted by user'],
      ['claude-sigint-during-tool-use.jsonl', 'Request interrupted by user for tool use'],
    ]) {
      const { outcome } = run(parser(), sample(file!), { code: 0, signal: null });
      expect(outcome).toMatchObject({ ok: false, error: said, exitCode: 0 });
    }
  });

  it('reports a session id again when it changes', () => {
    const p = parser();
    const events = [
      ...p.line('{"type":"system","subtype":"init","session_id":"a"}'),
      ...p.line('{"type":"assistant","session_id":"a","message":{"content":[{"type":"text","text":"hi"}]}}'),
      ...p.line('{"type":"system","subtype":"init","session_id":"b"}'),
    ];
    expect(sessions(events)).toEqual(['a', 'b']);
    expect(p.finish({ code: 0, signal: null }).sessionId).toBe('b');
  });

  it('takes is_error, not subtype, as the verdict', () => {
    const p = parser();
    p.line(
      '{"type":"result","subtype":"error_max_turns","is_error":false,"result":"stopped","session_id":"s"}',
    );
    expect(p.finish({ code: 0, signal: null })).toMatchObject({ ok: true, error: null });
    const q = parser();
    q.line('{"type":"result","subtype":"success","is_error":true,"errors":["one","two"]}');
    expect(q.finish({ code: 0, signal: null })).toMatchObject({ ok: false, error: 'one; two' });
  });

  it('a turn after a result (live input) waits for its own result', () => {
    const p = parser();
    feed(
      p,
      [
        '{"type":"result","subtype":"success","is_error":false,"result":"ok","session_id":"s"}',
        '{"type":"system","subtype":"init","session_id":"s"}',
        '{"type":"assistant","session_id":"s","message":{"content":[{"type":"text","text":"working"}]}}',
      ].join('\n'),
    );
    expect(p.finish({ code: null, signal: 'SIGKILL' })).toMatchObject({
      ok: false,
      error: 'killed by SIGKILL (no result line)',
    });
  });

  it('ignores blank and non-JSON lines; reads stderr for the reason of a run with no result', () => {
    const p = parser();
    expect(p.line('')).toEqual([]);
    expect(p.line('not json')).toEqual([{ type: 'noise' }]);
    expect(p.line("error: unknown option '- fix'", 'stderr')).toEqual([{ type: 'noise' }]);
    expect(p.finish({ code: 1, signal: null })).toMatchObject({
      ok: false,
      error: "exited with code 1 (no result line): error: unknown option '- fix'",
    });
  });
});

describe('codex parser on recorded output', () => {
  const parser = () => createDriver(preset('codex')).createParser();

  it('offline: session captured, the error lines are no progress, failed after the kill', () => {
    const { events, outcome } = run(parser(), sample('codex-exec-offline.jsonl'), {
      code: null,
      signal: 'SIGTERM',
    });
    expect(sessions(events)).toEqual(['01a21b6b-53e2-7692-aee5-567ab4fa4ac7']);
    expect(progress(events)).toEqual([]);
    expect(events.filter((e) => e.type === 'result')).toEqual([]);
    expect(outcome).toMatchObject({
      ok: false,
      sessionNotFound: false,
      sessionId: '01a21b6b-53e2-7692-aee5-567ab4fa4ac7',
      signal: 'SIGTERM',
    });
    expect(outcome.error).toMatch(
      /^Reconnecting\.\.\. waiting for network .*killed by SIGTERM before the turn completed/,
    );
  });

  it('success: progress for the message and the turn, ok', () => {
    const { events, outcome } = run(parser(), sample('codex-exec-success.jsonl'), { code: 0, signal: null });
    expect(progress(events).map((e) => (e.type === 'progress' ? e.what : ''))).toEqual([
      'item.completed agent_message',
      'turn.completed',
    ]);
    expect(outcome).toEqual({
      ok: true,
      error: null,
      sessionNotFound: false,
      sessionId: '01a21b97-e663-7fc0-b90b-384691c0b06a',
      exitCode: 0,
      signal: null,
    });
  });

  it('resume re-emits the same thread id', () => {
    const { outcome } = run(parser(), sample('codex-exec-resume-success.jsonl'), { code: 0, signal: null });
    expect(outcome.sessionId).toBe('01a21b97-e663-7fc0-b90b-384691c0b06a');
  });

  it('turn.failed fails the run with the API message, even on exit 0', () => {
    const { outcome } = run(parser(), sample('codex-exec-turn-failed.jsonl'), { code: 0, signal: null });
    expect(outcome).toMatchObject({ ok: false, error: 'fake bad request: model not supported', exitCode: 0 });
  });

  it('unknown thread on resume: sessionNotFound from stderr', () => {
    const p = parser();
    const events = feed(p, sample('codex-resume-unknown-thread.stderr.txt'), 'stderr');
    expect(progress(events)).toEqual([]);
    expect(p.finish({ code: 1, signal: null })).toMatchObject({
      ok: false,
      sessionNotFound: true,
      sessionId: null,
    });
  });

  it('a turn that never completes fails, even with exit 0', () => {
    const p = parser();
    feed(p, '{"type":"thread.started","thread_id":"t"}\n{"type":"turn.started"}');
    expect(p.finish({ code: 0, signal: null })).toMatchObject({
      ok: false,
      error: 'exited with code 0 before the turn completed',
    });
  });

  it('item.started and item.updated of real items are progress', () => {
    const p = parser();
    expect(
      p.line('{"type":"item.started","item":{"id":"i","type":"command_execution","command":"ls"}}'),
    ).toEqual([{ type: 'progress', what: 'item.started command_execution' }]);
    expect(p.line('{"type":"item.updated","item":{"id":"i","type":"todo_list"}}')).toEqual([
      { type: 'progress', what: 'item.updated todo_list' },
    ]);
    expect(p.line('{"type":"turn.started"}')).toEqual([{ type: 'noise' }]);
  });
});

describe('command parser', () => {
  it('captures session ids by pattern and counts any output as progress', () => {
    const p = createDriver(command()).createParser();
    const events = feed(p, 'starting\nsession: s-42\nworking\n');
    expect(sessions(events)).toEqual(['s-42']);
    expect(progress(events)).toHaveLength(3);
    expect(p.finish({ code: 0, signal: null })).toEqual({
      ok: true,
      error: null,
      sessionNotFound: false,
      sessionId: 's-42',
      exitCode: 0,
      signal: null,
    });
  });

  it('uses the exit code and the last stderr line', () => {
    const p = createDriver(command()).createParser();
    p.line('No conversation found with session ID: s-1', 'stderr');
    expect(p.finish({ code: 1, signal: null })).toMatchObject({
      ok: false,
      error: 'exited with code 1: No conversation found with session ID: s-1',
      sessionNotFound: true,
    });
  });

  it('does not match the pattern on stderr', () => {
    const p = createDriver(command()).createParser();
    expect(sessions(p.line('session: nope', 'stderr'))).toEqual([]);
  });

  it('delegates to the claude parser when outputFormat says so', () => {
    const p = createDriver(command({ outputFormat: 'claude', sessionIdPattern: null })).createParser();
    const { events, outcome } = run(p, sample('claude-print-not-logged-in.jsonl'), { code: 0, signal: null });
    expect(progress(events)).toEqual([]);
    expect(outcome).toMatchObject({
      ok: false,
      error: 'Not logged in · Please run /login',
      sessionId: '5a8241eb-8e1e-4628-a287-f66a20ce6b3b',
    });
  });

  it('delegates to the codex parser and adds pattern ids once', () => {
    const p = createDriver(
      command({ outputFormat: 'codex', sessionIdPattern: '"thread_id":"([^"]+)"' }),
    ).createParser();
    const { events, outcome } = run(p, sample('codex-exec-success.jsonl'), { code: 1, signal: null });
    expect(sessions(events)).toEqual(['01a21b97-e663-7fc0-b90b-384691c0b06a']);
    expect(outcome.ok).toBe(true);
  });
});

describe('outcome without a verdict', () => {
  const table: Array<[string, number | null, string | null, boolean, string | null]> = [
    ['claude', 0, null, true, null],
    ['claude', 1, null, false, 'exited with code 1 (no result line)'],
    ['claude', 130, null, false, 'exited with code 130 (no result line)'],
    ['claude', null, 'SIGKILL', false, 'killed by SIGKILL (no result line)'],
    ['claude', null, null, false, 'exited without an exit code (no result line)'],
    ['codex', 0, null, false, 'exited with code 0 before the turn completed'],
    ['codex', 1, null, false, 'exited with code 1 before the turn completed'],
    ['codex', null, 'SIGTERM', false, 'killed by SIGTERM before the turn completed'],
    ['command', 0, null, true, null],
    ['command', 2, null, false, 'exited with code 2'],
    ['command', null, 'SIGINT', false, 'killed by SIGINT'],
  ];
  it.each(table)('%s exit %s signal %s → ok %s (%s)', (kind, code, signal, ok, error) => {
    const config = kind === 'command' ? command() : preset(kind as 'claude' | 'codex');
    expect(createDriver(config).createParser().finish({ code, signal })).toEqual({
      ok,
      error,
      sessionNotFound: false,
      sessionId: null,
      exitCode: code,
      signal,
    });
  });
});
