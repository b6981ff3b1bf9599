/**
 * `baton status` as a person reads it, through the real CLI: it fits the width (`COLUMNS` on a
 * pipe) by dropping columns and cutting cells, never wrapping a row; colour follows
 * FORCE_COLOR/NO_COLOR; session ids that differ show differently; rejected drops age out of the
 * text; the hooks' last repair shows. `--json` keeps what it had.
 */
import { spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { batonBin, fakeAgentsYaml, makeRig, type CliResult, type Rig } from '../helpers/rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.cleanup();
  rig = undefined;
});

/** `baton status` with `env` over the rig's (which sets neither COLUMNS nor a colour variable). */
function status(r: Rig, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return r.baton(['status', ...args], { env });
}

const width = (line: string): number => [...stripVTControlCharacters(line)].length;
const widest = (text: string): number => Math.max(...text.split('\n').map(width));

const LONG =
  'Rewrite the whole parser so that it streams its input and reports every error with a line and a column';

async function longNotes(r: Rig): Promise<void> {
  await r.writeTask('alpha', 'Do it.', { title: LONG });
  await r.writeTask('a-task-with-a-rather-long-slug-for-a-table', 'Do it.', { title: LONG });
  await r.writeTask('drafty', 'Later.', { status: 'draft', title: LONG });
  await r.writeTask('zeta', 'Do it.', { title: 'Short' });
}

describe('status fits the terminal', () => {
  it('with COLUMNS=80, 60 and 40 no line is wider, and TASK and STATE stay', async () => {
    rig = await makeRig();
    await longNotes(rig);
    const wide = await status(rig, [], { COLUMNS: '300' });
    expect(wide.stdout).toContain('LAST OUTPUT');
    for (const cols of [80, 60, 40]) {
      const r = await status(rig, [], { COLUMNS: String(cols) });
      expect(r.code, r.stderr).toBe(0);
      expect(widest(r.stdout), `${cols}:\n${r.stdout}`).toBeLessThanOrEqual(cols);
      expect(r.stdout).toMatch(/^TASK\s+STATE\s/m);
      expect(r.stdout).toMatch(/^alpha\s+ready\s/m);
      expect(r.stdout).toMatch(/^drafty\s+draft\s/m);
      expect(r.stdout).toMatch(/^zeta\s+ready\s/m);
      expect(r.stdout).toMatch(/^a-task-with\S*\s+ready\s/m);
      expect(r.stdout).toContain('…');
      expect(r.stdout).toContain('`baton watch`'); // the watcher line wraps, it is not cut
    }
    // Narrower, the low-value columns go first.
    expect((await status(rig, [], { COLUMNS: '40' })).stdout).not.toContain('RUNS');
    // The json is the same whatever the width.
    const json = JSON.parse((await status(rig, ['--json'], { COLUMNS: '40' })).stdout) as {
      tasks: { slug: string; title: string }[];
    };
    expect(json.tasks.find((t) => t.slug === 'alpha')?.title).toBe(LONG);
  });

  it('status --watch frames fit COLUMNS too', async () => {
    rig = await makeRig();
    await longNotes(rig);
    const child = spawn(process.execPath, [batonBin, 'status', '--watch'], {
      cwd: rig.root,
      env: { ...rig.env, COLUMNS: '50' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await rig.waitFor('two frames', () => (out.match(/^--- /gm) ?? []).length >= 2);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(widest(out), out).toBeLessThanOrEqual(50);
    expect(out).toMatch(/^alpha\s+ready\s/m);
  });

  it('colours with FORCE_COLOR=1, never with NO_COLOR=1, and widths ignore the codes', async () => {
    rig = await makeRig();
    await longNotes(rig);
    const forced = await status(rig, [], { FORCE_COLOR: '1', COLUMNS: '60' });
    expect(forced.stdout).toContain('\u001b[');
    expect(widest(forced.stdout), forced.stdout).toBeLessThanOrEqual(60);
    expect(stripVTControlCharacters(forced.stdout)).toBe((await status(rig, [], { COLUMNS: '60' })).stdout);
    const none = await status(rig, [], { NO_COLOR: '1', COLUMNS: '60' });
    expect(none.stdout).not.toContain('\u001b[');
    // On a pipe with neither: none either.
    expect((await status(rig, [])).stdout).not.toContain('\u001b[');
    expect((await status(rig, ['--json'], { FORCE_COLOR: '1' })).stdout).not.toContain('\u001b[');
  });
});

describe('session ids', () => {
  it('two ids sharing a long prefix show differently; --json keeps them whole', async () => {
    rig = await makeRig();
    // A command agent whose session id is the `sess-…` word of its prompt.
    const agent = path.join(rig.base, 'sid-agent.sh');
    await fs.writeFile(agent, `#!/bin/sh\necho "session: $(grep -o 'sess-[a-z0-9-]*' "$1" | head -n 1)"\n`, {
      mode: 0o755,
    });
    await rig.writeConfig(
      fakeAgentsYaml(
        `  sid: { command: [${JSON.stringify(agent)}, "{promptFile}"], sessionIdPattern: "session: (\\\\S+)" }`,
      ),
    );
    const ids = { one: 'sess-0123456789abcdef-aaaa-one', two: 'sess-0123456789abcdef-aaaa-two' };
    for (const [slug, id] of Object.entries(ids)) {
      await rig.writeTask(slug, `Work in ${id}.`, { agent: 'sid' });
      const d = await rig.baton(['dispatch', slug]);
      expect(d.code, d.stderr).toBe(0);
    }
    for (const slug of Object.keys(ids)) await rig.waitFor(`${slug} to end`, () => rig?.isIdle(slug));
    const json = JSON.parse((await status(rig, ['--json'])).stdout) as {
      tasks: { slug: string; sessionId: string }[];
    };
    expect(Object.fromEntries(json.tasks.map((t) => [t.slug, t.sessionId]))).toEqual(ids);
    const text = (await status(rig, [], { COLUMNS: '200' })).stdout;
    const cell = (slug: string): string | undefined =>
      text
        .split('\n')
        .find((l) => l.startsWith(`${slug} `))
        ?.split(/\s+/)
        .find((c) => c.startsWith('sess-'));
    expect(cell('one')).toBe('sess-0123456789abcdef-aaaa-o…');
    expect(cell('two')).toBe('sess-0123456789abcdef-aaaa-t…');
  });
});

describe('rejected drops', () => {
  it('an old rejection is no longer listed, a fresh one is; --json keeps both', async () => {
    rig = await makeRig();
    await rig.writeTask('drafty', 'Later.', { status: 'draft' });
    await fs.writeFile(path.join(rig.root, 'tasks/drafty.followup.md'), 'more\n');
    expect((await rig.baton(['watch', '--once'])).code).toBe(0);
    // Two days pass for that one (rejected.jsonl is the record of when).
    const log = path.join(rig.root, 'tasks/logs/rejected.jsonl');
    const old = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await fs.writeFile(log, readFileSync(log, 'utf8').replace(/"ts":"[^"]+"/, `"ts":"${old}"`));
    await fs.writeFile(path.join(rig.root, 'tasks/nope.followup.md'), 'more\n');
    expect((await rig.baton(['watch', '--once'])).code).toBe(0);

    const text = (await status(rig, [], { COLUMNS: '100' })).stdout;
    expect(text).toContain('Rejected drops in the last 24 h (1):');
    expect(text).toContain('tasks/nope.followup.md: there is no task nope');
    expect(text).not.toContain('drafty.followup.md');
    expect(text).toMatch(/1 more \(older than 24 h\)[\s\S]*tasks\/logs\/rejected\.jsonl/);
    const json = JSON.parse((await status(rig, ['--json'])).stdout) as { rejected: { file: string }[] };
    expect(json.rejected.map((r) => r.file)).toEqual(['tasks/drafty.followup.md', 'tasks/nope.followup.md']);
  });
});

describe('hook repairs', () => {
  it('the last repair shows in status for a day and in --json as hooks.lastRepair', async () => {
    rig = await makeRig();
    const before = JSON.parse((await status(rig, ['--json'])).stdout) as { hooks: unknown };
    expect(before.hooks).toEqual({ lastRepair: null });
    expect((await status(rig, [])).stdout).not.toMatch(/^hooks:/m);

    await fs.rm(path.join(rig.root, '.git/hooks/pre-commit'));
    expect((await rig.baton(['watch', '--once'])).code).toBe(0);
    const text = (await status(rig, [], { COLUMNS: '300' })).stdout;
    expect(text).toMatch(/^hooks: \d+s ago, the heartbeat re-installed baton's git hooks \(.*pre-commit/m);
    const json = JSON.parse((await status(rig, ['--json'])).stdout) as {
      hooks: { lastRepair: { at: string; by: string; said: string } };
    };
    expect(json.hooks.lastRepair.by).toBe('heartbeat');
    expect(json.hooks.lastRepair.said).toContain("re-installed baton's git hooks");
    expect(Date.now() - Date.parse(json.hooks.lastRepair.at)).toBeLessThan(600_000);

    // A day later it leaves the text; the json still has it.
    const log = path.join(rig.root, 'tasks/logs/hooks.jsonl');
    const old = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await fs.writeFile(log, readFileSync(log, 'utf8').replace(/"ts":"[^"]+"/g, `"ts":"${old}"`));
    expect((await status(rig, [])).stdout).not.toMatch(/^hooks:/m);
    const later = JSON.parse((await status(rig, ['--json'])).stdout) as {
      hooks: { lastRepair: { at: string } };
    };
    expect(later.hooks.lastRepair.at).toBe(old);
  });
});
