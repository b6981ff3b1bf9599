/**
 * The log views on recorded CLI output (test/fixtures/samples): each sample rendered whole, so
 * a change in wording is seen here; every line a view does not know comes out as it went in.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createClaudeView } from '../../src/agents/claude-view.js';
import { createCodexView } from '../../src/agents/codex-view.js';
import { createLogRenderer, runHeaderAgent } from '../../src/agents/log-view.js';
import type { LogView } from '../../src/agents/view.js';
import type { AgentConfig } from '../../src/config/types.js';

const samples = fileURLToPath(new URL('../fixtures/samples/', import.meta.url));
const lines = (name: string): string[] =>
  readFileSync(`${samples}${name}`, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
const render = (view: LogView, input: string[]): string[] => input.flatMap((l) => view(l));

const RETRY = (n: number, delay: string): string => `[API retry ${n}/10 (unknown), next in ${delay} s]`;

describe('claude view', () => {
  it.each([
    [
      'claude-success-tool-use.jsonl',
      [
        '[session 1fd10160-6ced-49cd-8f82-a22ab00cb588, model claude-opus-4-8[1m]]',
        'I will run a command.',
        '→ Bash: echo hi',
        '  ← Bash: hi',
        'Done: the command printed hi.',
        '✓ done (2 turns, 0.6 s, $0.0008)',
      ],
    ],
    [
      'claude-sigint-during-tool-use.jsonl',
      [
        '[session 15a9d1f8-ed52-457b-881a-5672043ca0ca, model claude-opus-4-8[1m]]',
        'I will run a command.',
        '→ Bash: sleep 8; echo slept',
        "  ← Bash: error: The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it was a file edit, the new_stri…",
        '» [Request interrupted by user for tool use]',
        '✗ failed, error_during_execution (3 turns, 2.0 s, $0.0004): [ede_diagnostic] result_type=user last_content_type=n/a stop_reason=tool_use',
      ],
    ],
    [
      'claude-print-not-logged-in.jsonl',
      [
        '[session 5a8241eb-8e1e-4628-a287-f66a20ce6b3b, model claude-opus-4-8[1m]]',
        '✗ authentication_failed: Not logged in · Please run /login',
        '✗ failed, success (1 turn, 0.2 s): Not logged in · Please run /login',
      ],
    ],
    [
      'claude-sigint-during-api-retry.jsonl',
      [
        '[session 4607b180-d932-4918-b5b8-416eaad3fc29, model claude-opus-4-8[1m]]',
        RETRY(1, '0.5'),
        RETRY(2, '1.1'),
        RETRY(3, '2.2'),
        '» [Request interrupted by user]',
        expect.stringMatching(/^✗ failed, error_during_execution \(2 turns, 2\.8 s\): \[ede_diagnostic\]/),
      ],
    ],
    [
      'claude-api-error-after-retries.jsonl',
      [
        '[session 1a651b22-60c5-4c57-90d4-0f2bffab465c, model claude-opus-4-8[1m]]',
        ...[0.6, 1.1, 2.4, 5.0, 9.6, 17.2, 34.1, 35.3, 34.2, 40.0].map((d, i) => RETRY(i + 1, d.toFixed(1))),
        '✗ server_error: API Error: Unable to connect to API (ConnectionRefused)',
        '✗ failed, success (1 turn, 180.0 s): API Error: Unable to connect to API (ConnectionRefused)',
      ],
    ],
  ])('%s', (name, expected) => {
    expect(render(createClaudeView(), lines(name))).toEqual(expected);
  });

  it('prints a line it cannot read, or an event it does not know, as it is', () => {
    const unknown = [
      'not json',
      '{"type":"stream_event","event":{}}',
      '{"type":"system","subtype":"hook"}',
      '{broken',
    ];
    expect(render(createClaudeView(), unknown)).toEqual(unknown);
  });
});

describe('codex view', () => {
  it.each([
    [
      'codex-exec-success.jsonl',
      [
        '[session 01a21b97-e663-7fc0-b90b-384691c0b06a]',
        '[turn started]',
        'hi from fake api',
        '✓ turn completed (10 tokens in, 5 out)',
      ],
    ],
    [
      'codex-exec-resume-success.jsonl',
      [
        '[session 01a21b97-e663-7fc0-b90b-384691c0b06a]',
        '[turn started]',
        'hi from fake api',
        '✓ turn completed (20 tokens in, 10 out)',
      ],
    ],
    [
      'codex-exec-turn-failed.jsonl',
      [
        '[session 01a21b98-d59e-7850-8c34-f0d57817b176]',
        '[turn started]',
        '! fake bad request: model not supported',
        '✗ turn failed: fake bad request: model not supported',
      ],
    ],
    [
      'codex-exec-offline.jsonl',
      [
        '[session 01a21b6b-53e2-7692-aee5-567ab4fa4ac7]',
        '[turn started]',
        ...[2, 3, 4, 5].map(
          (n) =>
            `! Reconnecting... ${n}/5 (stream disconnected before completion: failed to lookup address information: Name does not resolve)`,
        ),
        '! Falling back from WebSockets to HTTPS transport. stream disconnected before completion: failed to lookup address information: Name does not resolve',
        '! Reconnecting... waiting for network (Connection failed: error sending request)',
      ],
    ],
    ['codex-resume-unknown-thread.stderr.txt', lines('codex-resume-unknown-thread.stderr.txt')],
  ])('%s', (name, expected) => {
    expect(render(createCodexView(), lines(name))).toEqual(expected);
  });

  it('shows commands, their results and file changes in a line each', () => {
    const events = [
      {
        type: 'item.started',
        item: { id: 'i1', type: 'command_execution', command: 'npm test', status: 'in_progress' },
      },
      {
        type: 'item.completed',
        item: {
          id: 'i1',
          type: 'command_execution',
          command: 'npm test',
          aggregated_output: 'ok 1\nok 2\n',
          exit_code: 0,
        },
      },
      {
        type: 'item.completed',
        item: {
          id: 'i2',
          type: 'file_change',
          changes: [
            { path: 'a.ts', kind: 'update' },
            { path: 'b.ts', kind: 'add' },
          ],
        },
      },
      { type: 'item.completed', item: { id: 'i3', type: 'reasoning', text: '**Plan**\nthen more' } },
      { type: 'item.completed', item: { id: 'i4', type: 'brand_new', x: 1 } },
    ].map((e) => JSON.stringify(e));
    expect(render(createCodexView(), events)).toEqual([
      '→ $ npm test',
      '  ← exit 0: ok 1 (+1 lines)',
      '→ files: a.ts (update), b.ts (add)',
      '(thinking) **Plan** (+1 lines)',
      events[4],
    ]);
  });
});

describe('a whole log', () => {
  const agents = {
    c: { name: 'c', preset: 'claude', bin: 'claude', args: [], liveInput: false, env: {} },
    x: { name: 'x', preset: 'codex', bin: 'codex', args: [], liveInput: false, env: {} },
    cmd: {
      name: 'cmd',
      preset: 'command',
      command: ['a'],
      resume: null,
      sessionIdPattern: null,
      outputFormat: null,
      env: {},
    },
  } satisfies Record<string, AgentConfig>;
  const header = (agent: string): string =>
    `=== baton run mx1-abc #1 · ${agent} · new · 2026-12-04T00:00:00.000Z ===`;

  it('renders each run by the agent its header names, keeps headers, and prints the rest as it is', () => {
    const thread = '{"type":"thread.started","thread_id":"t1"}';
    const log = [
      'worker: starting',
      '',
      header('x'),
      thread,
      header('cmd'),
      thread,
      header('gone'),
      thread,
      header('c'),
      'plain',
    ];
    expect(render(createLogRenderer(agents), log)).toEqual([
      'worker: starting',
      '',
      header('x'),
      '[session t1]',
      header('cmd'),
      thread,
      header('gone'),
      thread,
      header('c'),
      'plain',
    ]);
  });

  it('reads the agent from a header, resumed or new', () => {
    expect(
      runHeaderAgent('=== baton run mx9a-1 #2 · my.agent · resume 04fd-88 · 2026-12-04T17:49:22.863Z ==='),
    ).toBe('my.agent');
    expect(runHeaderAgent('=== not a header ===')).toBeNull();
  });
});
