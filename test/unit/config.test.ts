import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parse as parseYamlText } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_YAML, DEFAULTS } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load.js';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { BatonError, formatProblem } from '../../src/domain/errors.js';
import { defaultWorktreeSetup } from '../../src/domain/setup.js';
import { NOTIFY_EVENTS } from '../../src/domain/notify.js';
import { defaultPrConfig } from '../../src/config/pr.js';

const ROOT = '/srv/repos/shop';

const DEFAULT_CONFIG: Config = {
  ...DEFAULTS,
  agents: {
    claude: { name: 'claude', preset: 'claude', bin: 'claude', args: [], liveInput: false, env: {} },
    codex: { name: 'codex', preset: 'codex', bin: 'codex', args: [], liveInput: false, env: {} },
  },
  worktreesDir: '/srv/repos/shop.worktrees',
  hooks: { autoRepair: true },
  ...defaultWorktreeSetup(),
  notify: [],
  pr: defaultPrConfig(),
  cluster: null,
};

function parse(text: string | null, env: Record<string, string | undefined> = {}) {
  return parseConfig(text, 'baton.yaml', env, ROOT);
}

function errorsOf(text: string | null, env: Record<string, string | undefined> = {}): string[] {
  return parse(text, env).errors.map(formatProblem);
}

describe('parseConfig: hooks', () => {
  it('reads hooks.autoRepair, true unless set', () => {
    expect(parse('hooks:\n  autoRepair: false\n').config.hooks).toEqual({ autoRepair: false });
    expect(parse('hooks:\n  autoRepair:\n').config.hooks).toEqual({ autoRepair: true });
    expect(parse('maxConcurrent: 2\n').config.hooks).toEqual({ autoRepair: true });
  });

  it('refuses a value that is not a boolean and warns about unknown hooks keys', () => {
    expect(errorsOf('hooks:\n  autoRepair: "no"\n')).toEqual([
      'baton.yaml:2: hooks.autoRepair must be true or false, found "no"',
    ]);
    expect(errorsOf('hooks: true\n')[0]).toMatch(/^baton.yaml:1: hooks must be a mapping/);
    expect(parse('hooks:\n  autoRepare: false\n').warnings).toEqual([
      'baton.yaml:2: unknown setting "hooks.autoRepare" is ignored; did you mean autoRepair?',
    ]);
  });
});

describe('parseConfig: pr', () => {
  it('reads the pr section over its defaults', () => {
    const text = [
      'pr:',
      '  remote: upstream',
      '  view: [my-forge, show, "{number}"]',
      '  comments: false',
      '  pollSeconds: 5',
      '  logLines: 20',
      '  openOnIdle: true',
      '  removeOnMerge: true',
    ].join('\n');
    const { config, errors, warnings } = parse(text);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config.pr).toEqual({
      ...defaultPrConfig(),
      remote: 'upstream',
      view: ['my-forge', 'show', '{number}'],
      comments: null,
      pollSeconds: 5,
      logLines: 20,
      openOnIdle: true,
      removeOnMerge: true,
    });
  });

  it.each([
    ['pr: yes\n', /^baton.yaml:1: pr must be a mapping/],
    [
      'pr:\n  pollSeconds: 0\n',
      /^baton.yaml:2: pr.pollSeconds must be a number of seconds greater than 0, found 0$/,
    ],
    ['pr:\n  logLines: 2.5\n', /^baton.yaml:2: pr.logLines must be a whole number of at least 1/],
    ['pr:\n  view: []\n', /^baton.yaml:2: pr.view must be a non-empty argv list/],
    ['pr:\n  create: false\n', /^baton.yaml:2: pr.create must be a non-empty argv list .*, found false$/],
    ['pr:\n  openOnIdle: "yes"\n', /^baton.yaml:2: pr.openOnIdle must be true or false/],
    ['pr:\n  remote: "-x"\n', /^baton.yaml:2: pr.remote must be the name of a git remote/],
  ])('refuses %j', (text, message) => {
    expect(errorsOf(text)).toEqual([expect.stringMatching(message)]);
  });

  it('warns about an unknown pr key with the meant one', () => {
    expect(parse('pr:\n  pollSecond: 5\n').warnings).toEqual([
      'baton.yaml:2: unknown setting "pr.pollSecond" is ignored; did you mean pollSeconds?',
    ]);
  });
});

describe('parseConfig', () => {
  it('gives the documented defaults without a file', () => {
    expect(parse(null)).toEqual({ config: DEFAULT_CONFIG, warnings: [], errors: [] });
    expect(DEFAULTS).toEqual({
      defaultAgent: 'claude',
      branchPrefix: 'task/',
      maxConcurrent: 4,
      heartbeatSeconds: 30,
      maxDispatchesPerCycle: 1,
      dispatchTimeoutSeconds: 45,
      retryCooldownSeconds: 300,
      stallSeconds: 900,
      interruptGraceSeconds: 10,
      batchFollowups: false,
      limitBufferSeconds: 60,
      onConflict: 'report',
    });
  });

  it.each([
    ['an empty file', ''],
    ['only comments', '# nothing here\n'],
    ['a BOM and CRLF', '\uFEFFmaxConcurrent: 4\r\n'],
  ])('gives the defaults for %s', (_name, text) => {
    expect(parse(text)).toEqual({ config: DEFAULT_CONFIG, warnings: [], errors: [] });
  });

  it('DEFAULT_CONFIG_YAML parses to the defaults and lists every key with a comment', () => {
    expect(parse(DEFAULT_CONFIG_YAML)).toEqual({ config: DEFAULT_CONFIG, warnings: [], errors: [] });
    const keys = Object.keys(parseYamlText(DEFAULT_CONFIG_YAML) as object);
    expect(keys.sort()).toEqual(Object.keys(DEFAULT_CONFIG).sort());
    const lines = DEFAULT_CONFIG_YAML.split('\n');
    for (const key of keys) {
      const i = lines.findIndex((l) => l.startsWith(`${key}:`));
      expect(lines[i - 1], `comment above ${key}`).toMatch(/^# /);
    }
  });

  it('reads every setting', () => {
    const text = [
      'defaultAgent: mine',
      'worktreesDir: ../wt',
      'branchPrefix: agents/',
      'maxConcurrent: 2',
      'heartbeatSeconds: 0.5',
      'maxDispatchesPerCycle: 3',
      'dispatchTimeoutSeconds: 2.5',
      'retryCooldownSeconds: 1',
      'stallSeconds: 60',
      'interruptGraceSeconds: 0.25',
      'batchFollowups: true',
      'limitBufferSeconds: 0',
      'onConflict: followup',
      'notify:',
      '  - command: [notify-send, "{slug}"]',
      '    events: [failed]',
      '  - sh: echo hi',
      '    timeoutSeconds: 2.5',
      'hooks:',
      '  autoRepair: false',
      'setup:',
      '  copy: [.env, "config/*.local.json"]',
      '  run: [[npm, ci], {sh: "make db && make seed"}]',
      '  timeoutSeconds: 30',
      'teardown: { run: [[docker, compose, down]], timeoutSeconds: 5 }',
      'ports: { base: 30000, count: 4 }',
      'cluster: { remote: up, host: box-1, leaseSeconds: 4, skewSeconds: 0.5, pollSeconds: 2 }',
      'agents:',
      '  mine:',
      '    command: [my-agent, --prompt-file, "{promptFile}"]',
      '    resume: [my-agent, --resume, "{sessionId}"]',
      '    sessionIdPattern: "session: (\\\\S+)"',
      '    outputFormat: claude',
      '    env: { TOKEN_FILE: /x, LEVEL: 3, DEBUG: true }',
      '  claude: { bin: /opt/claude, args: [--permission-mode, acceptEdits], liveInput: true }',
      '  fast: { preset: codex, args: [--sandbox, workspace-write], maxConcurrent: 2, limitPattern: "out of quota" }',
      '  other: { preset: command, command: [run.sh] }',
    ].join('\n');
    const { config, warnings, errors } = parse(text);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      defaultAgent: 'mine',
      worktreesDir: '/srv/repos/wt',
      branchPrefix: 'agents/',
      maxConcurrent: 2,
      heartbeatSeconds: 0.5,
      maxDispatchesPerCycle: 3,
      dispatchTimeoutSeconds: 2.5,
      retryCooldownSeconds: 1,
      stallSeconds: 60,
      interruptGraceSeconds: 0.25,
      batchFollowups: true,
      limitBufferSeconds: 0,
      onConflict: 'followup',
      hooks: { autoRepair: false },
      setup: {
        copy: ['.env', 'config/*.local.json'],
        run: [{ argv: ['npm', 'ci'] }, { sh: 'make db && make seed' }],
        timeoutSeconds: 30,
      },
      teardown: { run: [{ argv: ['docker', 'compose', 'down'] }], timeoutSeconds: 5 },
      ports: { base: 30000, count: 4 },
      notify: [
        { command: ['notify-send', '{slug}'], sh: null, events: ['failed'], timeoutSeconds: 10 },
        { command: null, sh: 'echo hi', events: [...NOTIFY_EVENTS], timeoutSeconds: 2.5 },
      ],
      pr: defaultPrConfig(),
      cluster: { remote: 'up', host: 'box-1', leaseSeconds: 4, skewSeconds: 0.5, pollSeconds: 2 },
      agents: {
        claude: {
          name: 'claude',
          preset: 'claude',
          bin: '/opt/claude',
          args: ['--permission-mode', 'acceptEdits'],
          liveInput: true,
          env: {},
        },
        codex: DEFAULT_CONFIG.agents['codex'],
        mine: {
          name: 'mine',
          preset: 'command',
          command: ['my-agent', '--prompt-file', '{promptFile}'],
          resume: ['my-agent', '--resume', '{sessionId}'],
          sessionIdPattern: 'session: (\\S+)',
          outputFormat: 'claude',
          env: { TOKEN_FILE: '/x', LEVEL: '3', DEBUG: 'true' },
        },
        fast: {
          name: 'fast',
          preset: 'codex',
          bin: 'codex',
          args: ['--sandbox', 'workspace-write'],
          liveInput: false,
          env: {},
          maxConcurrent: 2,
          limitPattern: 'out of quota',
        },
        other: {
          name: 'other',
          preset: 'command',
          command: ['run.sh'],
          resume: null,
          sessionIdPattern: null,
          outputFormat: null,
          env: {},
        },
      },
    });
  });

  it.each([
    ['relative', 'worktreesDir: wt', '/srv/repos/shop/wt'],
    ['absolute', 'worktreesDir: /data/wt', '/data/wt'],
    ['with <repo-name>', 'worktreesDir: /data/<repo-name>-wt', '/data/shop-wt'],
    ['under home', 'worktreesDir: ~/wt', '/home/ana/wt'],
    ['empty value', 'worktreesDir:', '/srv/repos/shop.worktrees'],
  ])('resolves a %s worktreesDir', (_name, text, expected) => {
    expect(parseConfig(text, 'baton.yaml', { HOME: '/home/ana' }, ROOT).config.worktreesDir).toBe(expected);
  });

  it.each([
    ['maxConcurrent: 0', 'baton.yaml:1: maxConcurrent must be a whole number of at least 1, found 0'],
    ['maxConcurrent: 1.5', 'baton.yaml:1: maxConcurrent must be a whole number of at least 1, found 1.5'],
    ['maxConcurrent: "4"', 'baton.yaml:1: maxConcurrent must be a whole number of at least 1, found "4"'],
    [
      'maxDispatchesPerCycle: -1',
      'baton.yaml:1: maxDispatchesPerCycle must be a whole number of at least 1, found -1',
    ],
    [
      'heartbeatSeconds: 0',
      'baton.yaml:1: heartbeatSeconds must be a number of seconds greater than 0, found 0',
    ],
    [
      'stallSeconds: .inf',
      'baton.yaml:1: stallSeconds must be a number of seconds greater than 0, found Infinity',
    ],
    [
      'retryCooldownSeconds: soon',
      'baton.yaml:1: retryCooldownSeconds must be a number of seconds greater than 0, found "soon"',
    ],
    ['batchFollowups: yes', 'baton.yaml:1: batchFollowups must be true or false, found "yes"'],
    [
      'limitBufferSeconds: -1',
      'baton.yaml:1: limitBufferSeconds must be a number of seconds, 0 or more, found -1',
    ],
    [
      'agents:\n  claude: { maxConcurrent: 0 }',
      'baton.yaml:2: agents.claude.maxConcurrent must be a whole number of at least 1, found 0',
    ],
    [
      'agents:\n  claude: { limitPattern: "(" }',
      expect.stringMatching(/^baton\.yaml:2: agents\.claude\.limitPattern must be a regular expression/),
    ],
    [
      'branchPrefix: "bad prefix/"',
      expect.stringMatching(
        /^baton\.yaml:1: branchPrefix must be a non-empty branch name prefix .*found "bad prefix\/"$/,
      ),
    ],
    ['branchPrefix: ""', expect.stringMatching(/^baton\.yaml:1: branchPrefix must be .*found ""$/)],
    [
      'worktreesDir: [a]',
      'baton.yaml:1: worktreesDir must be a folder path (relative to the repository root), found a list',
    ],
    [
      'defaultAgent: gpt',
      'baton.yaml:1: defaultAgent must be the name of one of the agents (claude, codex), found "gpt"',
    ],
    [
      'agents: [claude]',
      'baton.yaml:1: agents must be a mapping of agent names to agent settings, found a list',
    ],
    [
      'agents:\n  mine: my-agent',
      'baton.yaml:2: agents.mine must be a mapping with "preset: claude", "preset: codex" or "command: [...]", found "my-agent"',
    ],
    [
      'agents:\n  mine: { bin: x }',
      'baton.yaml:2: agents.mine needs "preset: claude", "preset: codex" or "command: [...]", found neither',
    ],
    [
      'agents:\n  mine:\n    preset: gemini',
      'baton.yaml:3: agents.mine needs "preset: claude", "preset: codex" or "command: [...]", found preset "gemini"',
    ],
    [
      'agents:\n  mine: { command: [] }',
      'baton.yaml:2: agents.mine.command must be a non-empty list of strings (the argv), found a list',
    ],
    [
      'agents:\n  mine: { command: [a, 1] }',
      'baton.yaml:2: agents.mine.command must be a non-empty list of strings (the argv), found a list',
    ],
    [
      'agents:\n  mine: { command: "a b" }',
      'baton.yaml:2: agents.mine.command must be a non-empty list of strings (the argv), found "a b"',
    ],
    [
      'agents:\n  mine: { preset: command }',
      'baton.yaml:2: agents.mine is a command agent, so it needs command: [program, args...], found none',
    ],
    [
      'agents:\n  mine:\n    command: [a]\n    sessionIdPattern: "session: \\\\S+"',
      'baton.yaml:4: agents.mine.sessionIdPattern must be a regular expression with a capture group for the session id, found "session: \\\\S+"',
    ],
    [
      'agents:\n  mine:\n    command: [a]\n    sessionIdPattern: "(unclosed"',
      'baton.yaml:4: agents.mine.sessionIdPattern must be a regular expression with a capture group for the session id, found "(unclosed"',
    ],
    [
      'agents:\n  mine:\n    command: [a]\n    outputFormat: json',
      'baton.yaml:4: agents.mine.outputFormat must be claude or codex, found "json"',
    ],
    [
      'agents:\n  mine:\n    command: [a]\n    env: { "BAD-NAME": x }',
      'baton.yaml:4: agents.mine.env must be a mapping of environment variable names to text, found a mapping',
    ],
    [
      'agents:\n  claude:\n    preset: claude\n    command: [a]',
      'baton.yaml:4: agents.claude.command applies only to command agents, but this is the claude preset',
    ],
    [
      'agents:\n  mine:\n    command: [a]\n    bin: b',
      'baton.yaml:4: agents.mine.bin applies only to preset agents, but this is a command agent',
    ],
    [
      'agents:\n  codex: { liveInput: true }',
      'baton.yaml:2: agents.codex.liveInput is supported only by the claude preset, found it on the codex preset',
    ],
    [
      'agents:\n  claude: { args: --fast }',
      'baton.yaml:2: agents.claude.args must be a list of strings, found "--fast"',
    ],
    [
      'agents:\n  "bad name": { preset: claude }',
      expect.stringMatching(/^baton\.yaml:2: agent name "bad name" must be letters, digits/),
    ],
    [
      '- a list',
      'baton.yaml:1: the file must be a YAML mapping of settings (like "maxConcurrent: 4"), found a list',
    ],
    ['a: 1\na: 2', expect.stringMatching(/^baton\.yaml:2: invalid YAML: .*unique/)],
  ])('reports %j', (text, expected) => {
    expect(errorsOf(text)).toEqual([expected]);
  });

  it('reports every error, not just the first', () => {
    expect(errorsOf('maxConcurrent: 0\nstallSeconds: -5\ndefaultAgent: nope\n')).toEqual([
      'baton.yaml:1: maxConcurrent must be a whole number of at least 1, found 0',
      'baton.yaml:2: stallSeconds must be a number of seconds greater than 0, found -5',
      'baton.yaml:3: defaultAgent must be the name of one of the agents (claude, codex), found "nope"',
    ]);
  });

  it('warns about unknown keys, at the top and in agents, with their lines', () => {
    const { warnings, errors } = parse('maxConcurent: 3\nagents:\n  claude:\n    argz: [x]\n');
    expect(errors).toEqual([]);
    expect(warnings).toEqual([
      'baton.yaml:1: unknown setting "maxConcurent" is ignored; did you mean maxConcurrent?',
      'baton.yaml:4: agents.claude.argz is not a known agent setting and is ignored; did you mean args?',
    ]);
  });

  it.each([
    ['colour: red', 'baton.yaml:1: unknown setting "colour" is ignored; known settings: defaultAgent, '],
    [
      'MaxConcurrent: 2',
      'baton.yaml:1: unknown setting "MaxConcurrent" is ignored; did you mean maxConcurrent?',
    ],
    [
      'heartbeatSecs: 5',
      'baton.yaml:1: unknown setting "heartbeatSecs" is ignored; did you mean heartbeatSeconds?',
    ],
    [
      'agent:\n  mine: { command: [x] }',
      'baton.yaml:1: unknown setting "agent" is ignored; did you mean agents?',
    ],
    ['hook:\n  autoRepair: false', 'baton.yaml:1: unknown setting "hook" is ignored; did you mean hooks?'],
    [
      'agents:\n  mine:\n    command: [x]\n    resum: [y]',
      'baton.yaml:4: agents.mine.resum is not a known agent setting and is ignored; did you mean resume?',
    ],
    [
      'agents:\n  mine:\n    command: [x]\n    sessionIDPattern: "(s)"',
      'baton.yaml:4: agents.mine.sessionIDPattern is not a known agent setting and is ignored; did you mean sessionIdPattern?',
    ],
    [
      'agents:\n  claude:\n    liveinput: true',
      'baton.yaml:3: agents.claude.liveinput is not a known agent setting and is ignored; did you mean liveInput?',
    ],
    [
      'agents:\n  claude:\n    timeout: 5',
      'baton.yaml:3: agents.claude.timeout is not a known agent setting and is ignored',
    ],
  ])('suggests the setting a misspelt key means: %j', (text, expected) => {
    const { warnings, errors } = parse(text);
    expect(errors).toEqual([]);
    expect(warnings).toHaveLength(1);
    if (expected.endsWith(', ')) expect(warnings[0]?.startsWith(expected)).toBe(true);
    else expect(warnings[0]).toBe(expected);
  });

  it.each([
    [
      'agents:\n  mine:\n    comand: [./x.sh]',
      'baton.yaml:3: agents.mine needs "preset: claude", "preset: codex" or "command: [...]", found neither; "comand" is not a setting: did you mean command?',
    ],
    [
      'agents:\n  mine:\n    prest: claude',
      'baton.yaml:3: agents.mine needs "preset: claude", "preset: codex" or "command: [...]", found neither; "prest" is not a setting: did you mean preset?',
    ],
    [
      'agents:\n  mine:\n    preset: cluade',
      'baton.yaml:3: agents.mine needs "preset: claude", "preset: codex" or "command: [...]", found preset "cluade"; did you mean claude?',
    ],
    [
      'agents:\n  mine:\n    preset: Codex',
      'baton.yaml:3: agents.mine needs "preset: claude", "preset: codex" or "command: [...]", found preset "Codex"; did you mean codex?',
    ],
    [
      'agents:\n  mine:\n    preset: comand',
      'baton.yaml:3: agents.mine needs "preset: claude", "preset: codex" or "command: [...]", found preset "comand"; did you mean command?',
    ],
    [
      'agents:\n  mine:\n    preset: gemini',
      'baton.yaml:3: agents.mine needs "preset: claude", "preset: codex" or "command: [...]", found preset "gemini"',
    ],
    [
      'defaultAgent: claud',
      'baton.yaml:1: defaultAgent must be the name of one of the agents (claude, codex), found "claud"; did you mean claude?',
    ],
  ])('suggests what a misspelt agent setting means: %j', (text, expected) => {
    expect(errorsOf(text)).toEqual([expected]);
  });

  it('lets defaultAgent name a configured agent', () => {
    const { config, errors } = parse('defaultAgent: mine\nagents:\n  mine: { command: [x] }\n');
    expect(errors).toEqual([]);
    expect(config.defaultAgent).toBe('mine');
    expect(Object.keys(config.agents)).toEqual(['claude', 'codex', 'mine']);
  });

  describe('environment overrides', () => {
    it.each([
      [{ BATON_MAX_DISPATCHES_PER_CYCLE: '3' }, { maxDispatchesPerCycle: 3 }],
      [{ TASK_MANAGER_MAX_DISPATCHES_PER_CYCLE: '5' }, { maxDispatchesPerCycle: 5 }],
      [
        { BATON_MAX_DISPATCHES_PER_CYCLE: '3', TASK_MANAGER_MAX_DISPATCHES_PER_CYCLE: '5' },
        { maxDispatchesPerCycle: 3 },
      ],
      [{ BATON_DISPATCH_TIMEOUT_SECONDS: '1.5' }, { dispatchTimeoutSeconds: 1.5 }],
      [{ TASK_MANAGER_DISPATCH_TIMEOUT_SECONDS: '7' }, { dispatchTimeoutSeconds: 7 }],
      [{ BATON_DISPATCH_RETRY_COOLDOWN_SECONDS: '0.2' }, { retryCooldownSeconds: 0.2 }],
      [{ TASK_MANAGER_DISPATCH_RETRY_COOLDOWN_SECONDS: '60' }, { retryCooldownSeconds: 60 }],
      [
        { BATON_DISPATCH_TIMEOUT_SECONDS: '', TASK_MANAGER_DISPATCH_TIMEOUT_SECONDS: '9' },
        { dispatchTimeoutSeconds: 9 },
      ],
      [{ BATON_DISPATCH_TIMEOUT_SECONDS: ' 12 ' }, { dispatchTimeoutSeconds: 12 }],
    ])('%o sets %o, over the file', (env, expected) => {
      const text = 'maxDispatchesPerCycle: 2\ndispatchTimeoutSeconds: 30\nretryCooldownSeconds: 100\n';
      const { config, errors } = parse(text, env);
      expect(errors).toEqual([]);
      expect(config).toMatchObject(expected);
    });

    it('warns when both names are set to different values', () => {
      const { warnings } = parse(null, {
        BATON_MAX_DISPATCHES_PER_CYCLE: '3',
        TASK_MANAGER_MAX_DISPATCHES_PER_CYCLE: '5',
      });
      expect(warnings).toEqual([
        'environment: BATON_MAX_DISPATCHES_PER_CYCLE=3 wins over TASK_MANAGER_MAX_DISPATCHES_PER_CYCLE=5',
      ]);
    });

    it.each([
      [
        { BATON_MAX_DISPATCHES_PER_CYCLE: '0' },
        'environment: BATON_MAX_DISPATCHES_PER_CYCLE must be a whole number of at least 1, found "0"',
      ],
      [
        { BATON_MAX_DISPATCHES_PER_CYCLE: '1.5' },
        'environment: BATON_MAX_DISPATCHES_PER_CYCLE must be a whole number of at least 1, found "1.5"',
      ],
      [
        { TASK_MANAGER_MAX_DISPATCHES_PER_CYCLE: 'two' },
        'environment: TASK_MANAGER_MAX_DISPATCHES_PER_CYCLE must be a whole number of at least 1, found "two"',
      ],
      [
        { BATON_DISPATCH_TIMEOUT_SECONDS: '0x10' },
        'environment: BATON_DISPATCH_TIMEOUT_SECONDS must be a number of seconds greater than 0, found "0x10"',
      ],
      [
        { BATON_DISPATCH_TIMEOUT_SECONDS: '-3' },
        'environment: BATON_DISPATCH_TIMEOUT_SECONDS must be a number of seconds greater than 0, found "-3"',
      ],
      [
        { BATON_DISPATCH_RETRY_COOLDOWN_SECONDS: '1e3' },
        'environment: BATON_DISPATCH_RETRY_COOLDOWN_SECONDS must be a number of seconds greater than 0, found "1e3"',
      ],
    ])('reports %o naming the variable', (env, expected) => {
      expect(errorsOf(null, env)).toEqual([expected]);
    });
  });
});

describe('loadConfig', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('uses the defaults when there is no baton.yaml', async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-config-'));
    const config = await loadConfig(dir, {});
    expect(config.maxConcurrent).toBe(4);
    expect(config.worktreesDir).toBe(resolve(dir, '..', `${basename(dir)}.worktrees`));
  });

  it('reads baton.yaml and the environment, passing warnings on', async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-config-'));
    writeFileSync(join(dir, 'baton.yaml'), 'maxConcurrent: 2\ncolour: blue\n');
    const warnings: string[] = [];
    const config = await loadConfig(dir, { BATON_DISPATCH_TIMEOUT_SECONDS: '5' }, (w) => warnings.push(w));
    expect(config).toMatchObject({ maxConcurrent: 2, dispatchTimeoutSeconds: 5 });
    expect(warnings).toEqual([expect.stringMatching(/^baton\.yaml:2: unknown setting "colour"/)]);
  });

  it('throws BAD_CONFIG listing every error, one per line, with a hint', async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-config-'));
    writeFileSync(join(dir, 'baton.yaml'), 'maxConcurrent: 0\ndefaultAgent: nope\n');
    const err = await loadConfig(dir, { BATON_MAX_DISPATCHES_PER_CYCLE: 'x' }, () => {}).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BatonError);
    const e = err as BatonError;
    expect(e.code).toBe('BAD_CONFIG');
    expect(e.message.split('\n')).toEqual([
      'baton.yaml:1: maxConcurrent must be a whole number of at least 1, found 0',
      'environment: BATON_MAX_DISPATCHES_PER_CYCLE must be a whole number of at least 1, found "x"',
      'baton.yaml:2: defaultAgent must be the name of one of the agents (claude, codex), found "nope"',
    ]);
    expect(e.hint).toMatch(/environment variable/);
  });

  it('throws BAD_CONFIG for a config that is not UTF-8', async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-config-'));
    writeFileSync(join(dir, 'baton.yaml'), Buffer.from([0x61, 0x3a, 0x20, 0xff, 0x0a]));
    await expect(loadConfig(dir, {})).rejects.toMatchObject({
      code: 'BAD_CONFIG',
      message: expect.stringMatching(/not valid UTF-8/),
    });
  });
});

describe('cluster config', () => {
  it('is off when absent or empty, and BATON_HOST names the host', () => {
    expect(parse('').config.cluster).toBeNull();
    expect(parse('cluster:\n').config.cluster).toBeNull();
    expect(parse('cluster: { remote: origin }\n', { BATON_HOST: 'h2' }).config.cluster).toEqual({
      remote: 'origin',
      host: 'h2',
      leaseSeconds: 120,
      skewSeconds: 10,
      pollSeconds: 10,
    });
  });
  it.each([
    ['cluster: { leaseSeconds: 2 }\n', {}, /cluster.leaseSeconds must be at least 3 seconds/],
    ['cluster: { skewSeconds: -1 }\n', {}, /cluster.skewSeconds must be a number of seconds of at least 0/],
    ['cluster: { host: "a b" }\n', {}, /cluster.host must be a name/],
    ['cluster: yes\n', {}, /cluster must be a mapping/],
    ['cluster: { remote: origin }\n', { BATON_HOST: 'a/b' }, /BATON_HOST must be a name/],
    ['interruptGraceSeconds: 10\ncluster: { leaseSeconds: 20 }\n', {}, /at least 4 × interruptGraceSeconds/],
  ])('refuses %j', (text, env, message) => {
    const { errors } = parse(text, env);
    expect(errors.map(formatProblem).join('\n')).toMatch(message);
  });
});
