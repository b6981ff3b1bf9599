/**
 * Hostile input through the watcher, end to end (issue 6): task and follow-up files with invalid
 * UTF-8, a BOM, CRLF, 10 MB bodies, YAML alias bombs, duplicate keys, names that start with `-`
 * or hold newlines or `..`, symlinks out of the repository, FIFOs, directories named `*.md`, and
 * files that vanish between the event and the read — thrown at `baton watch --once` (fast-check
 * properties plus a fixed corpus) and at a running `baton watch`.
 *
 * The watcher must never stop; never read through a symlink or open a FIFO (each FIFO has a
 * writer blocked in open(): any reader would release it, and it would say so in a file); keep
 * every file (in place, renamed `.rejected`, or accepted into the inbox); and explain each
 * rejection (`status --json` invalid entries with an error, `rejected.jsonl` lines).
 *
 * The parsers themselves are covered by test/unit (task, followup, taskfiles); this is the shell.
 * BATON_HEAVY=1 runs more property cases.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  promises as fs,
  readdirSync,
  readFileSync,
  readlinkSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyTaskEntry, printable } from '../../src/domain/files.js';
import { unparseableLogs } from '../helpers/invariants.js';
import { fakeAgentsYaml, makeRig, spawnBaton, type Rig } from '../helpers/rig.js';

const HEAVY = process.env.BATON_HEAVY === '1';
const NUM_RUNS = HEAVY ? 120 : 8;

/** What a generated entry is on disk. */
type Shape = 'regular' | 'symlink-secret' | 'symlink-fifo' | 'fifo' | 'dir';
/** Known contents; `bytes` is arbitrary. */
type Content =
  | 'valid'
  | 'bom-crlf'
  | 'latin1'
  | 'bad-utf8'
  | 'huge'
  | 'alias-bomb'
  | 'dup-keys'
  | 'empty'
  | 'blank'
  | 'bad-mode'
  | { bytes: Uint8Array };
/** How the name is made hostile. */
/** Every way a name is made (valid and hostile), listed once for the property and the corpus. */
const NAME_STYLES = [
  'plain',
  'dash',
  'newline',
  'dots',
  'dotdot-hidden',
  'upper',
  'unicode',
  'long',
  'space',
  'tmp',
  'unknown-task',
  'draft-task',
] as const;
type NameStyle = (typeof NAME_STYLES)[number];

interface Entry {
  kind: 'task' | 'followup';
  name: NameStyle;
  shape: Shape;
  content: Content;
}

/** The task follow-ups go to: `done`, so accepting one starts nothing. */
const TARGET = 'tgt';
/** A draft task: follow-ups to it are rejected. */
const DRAFT = 'dft';

function entryName(e: Entry, i: number): string {
  const t = `h${i}`;
  const l = `f${i}`;
  if (e.kind === 'task') {
    switch (e.name) {
      case 'plain':
      case 'unknown-task':
      case 'draft-task':
        return `${t}.md`;
      case 'dash':
        return `-${t}.md`;
      case 'newline':
        return `${t}\nx.md`;
      case 'dots':
        return `${t}..md`;
      case 'dotdot-hidden':
        return `..${t}.md`;
      case 'upper':
        return `H${i}.md`;
      case 'unicode':
        return `é${i}.md`;
      case 'long':
        return `${'a'.repeat(64)}${i}.md`;
      case 'space':
        return `h ${i}.md`;
      case 'tmp':
        return `${t}.md.tmp`;
    }
  }
  switch (e.name) {
    case 'plain':
      return `${TARGET}.${l}.followup.md`;
    case 'dash':
      return i % 2 ? `-${l}.followup.md` : `${TARGET}.-${l}.followup.md`;
    case 'newline':
      return `${TARGET}.${l}\nx.followup.md`;
    case 'dots':
      return `${TARGET}..${l}.followup.md`;
    case 'dotdot-hidden':
      return `..${l}.followup.md`;
    case 'upper':
      return `TGT.${l}.followup.md`;
    case 'unicode':
      return `${TARGET}.é${i}.followup.md`;
    case 'long':
      return `${TARGET}.${'l'.repeat(65)}${i}.followup.md`;
    case 'space':
      return `${TARGET}.f ${i}.followup.md`;
    case 'tmp':
      return `${TARGET}.${l}.followup.md~`;
    case 'unknown-task':
      return `ghost${i}.followup.md`;
    case 'draft-task':
      return `${DRAFT}.${l}.followup.md`;
  }
}

const BOMB = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [${Array(10).fill('*a').join(',')}]\nc: &c [${Array(10).fill('*b').join(',')}]\nd: [${Array(10).fill('*c').join(',')}]`;

/** The bytes of an entry. Tasks carry `status: draft` wherever they can, so that nothing runs. */
function contentBytes(e: Entry, i: number): Buffer {
  const fm = e.kind === 'task' ? 'status: draft\n' : '';
  const body = `instruction ${i}`;
  const c = e.content;
  if (typeof c === 'object') return Buffer.concat([Buffer.from(`---\n${fm}---\n`), Buffer.from(c.bytes)]);
  switch (c) {
    case 'valid':
      return Buffer.from(`---\n${fm}---\n${body}\n`);
    case 'bom-crlf':
      return Buffer.from(`\uFEFF---\r\n${fm.replace('\n', '\r\n')}---\r\n${body}\r\nmore\r\n`);
    case 'latin1':
      return Buffer.from(`---\n${fm}---\ncaf\xe9 ${body}\n`, 'latin1');
    case 'bad-utf8':
      return Buffer.concat([
        Buffer.from(`---\n${fm}---\n`),
        Buffer.from([0x61, 0xc0, 0xaf, 0xff, 0xfe, 0x0a]),
      ]);
    case 'huge':
      return Buffer.concat([Buffer.from(`---\n${fm}---\n`), Buffer.alloc(10 * 1024 * 1024, 0x78)]);
    case 'alias-bomb':
      return Buffer.from(`---\n${fm}${BOMB}\n---\n${body}\n`);
    case 'dup-keys':
      return Buffer.from(
        e.kind === 'task'
          ? `---\nstatus: draft\nstatus: draft\n---\n${body}\n`
          : `---\nmode: queue\nmode: steer\n---\n${body}\n`,
      );
    case 'empty':
      return Buffer.alloc(0);
    case 'blank':
      return Buffer.from(`---\n${fm}---\n \r\n\t\n`);
    case 'bad-mode':
      return Buffer.from(
        e.kind === 'task' ? `---\nstatus: sideways\n---\n${body}\n` : `---\nmode: sideways\n---\n${body}\n`,
      );
  }
}

/** What must become of an entry; `either` when its arbitrary bytes decide. */
type Outcome = 'untouched' | 'valid-task' | 'invalid-task' | 'any-task' | 'accepted' | 'rejected' | 'either';

function expectedOutcome(e: Entry, name: string): Outcome {
  const kind = classifyTaskEntry(name).kind;
  if (kind === 'ignored') return 'untouched';
  const good = e.shape === 'regular' && (e.content === 'valid' || e.content === 'bom-crlf');
  const arbitrary = e.shape === 'regular' && typeof e.content === 'object';
  if (kind === 'bad-task') return 'invalid-task';
  if (kind === 'task') return good ? 'valid-task' : arbitrary ? 'any-task' : 'invalid-task';
  if (kind === 'bad-followup') return 'rejected';
  const entry = classifyTaskEntry(name);
  if (entry.kind !== 'followup' || entry.slug !== TARGET) return 'rejected';
  return good ? 'accepted' : arbitrary ? 'either' : 'rejected';
}

const arbEntry: fc.Arbitrary<Entry> = fc.record({
  kind: fc.constantFrom('task' as const, 'followup' as const),
  // 'plain' twice: a valid name comes up more often than each hostile one.
  name: fc.constantFrom<NameStyle>('plain', ...NAME_STYLES),
  shape: fc.constantFrom<Shape>(
    'regular',
    'regular',
    'regular',
    'symlink-secret',
    'symlink-fifo',
    'fifo',
    'dir',
  ),
  content: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<Content>('valid', 'bom-crlf') },
    {
      weight: 4,
      arbitrary: fc.constantFrom<Content>(
        'latin1',
        'bad-utf8',
        'alias-bomb',
        'dup-keys',
        'empty',
        'blank',
        'bad-mode',
      ),
    },
    { weight: 1, arbitrary: fc.constant<Content>('huge') },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes): Content => ({ bytes })) },
  ),
});

/** The world outside the repository that must never be read: a secret file, and FIFOs with blocked writers. */
interface Outside {
  secret: string;
  secretFile: string;
  /** Where FIFO writers note that a reader opened their FIFO (must never exist). */
  openedLog: string;
  writers: ChildProcess[];
  fifoCount: number;
}

async function makeOutside(rig: Rig): Promise<Outside> {
  const dir = path.join(rig.base, 'outside');
  await fs.mkdir(dir, { recursive: true });
  const secret = `SECRET-${randomBytes(8).toString('hex')}`;
  const secretFile = path.join(dir, 'secret.md');
  await fs.writeFile(secretFile, `---\nstatus: ready\n---\n${secret}\n`);
  return { secret, secretFile, openedLog: path.join(dir, 'fifo-opened.log'), writers: [], fifoCount: 0 };
}

/** Makes a FIFO whose writer blocks in open() until something opens the FIFO to read it. */
async function makeFifo(rig: Rig, o: Outside, at: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const p = spawn('mkfifo', [at]);
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mkfifo ${at} failed`))));
  });
  const writer = spawn('sh', ['-c', 'exec 3>"$1"; echo "opened $1" >> "$2"', 'sh', at, o.openedLog], {
    env: rig.env,
    stdio: 'ignore',
  });
  o.writers.push(writer);
}

function endWriters(o: Outside): void {
  for (const w of o.writers.splice(0)) w.kill('SIGKILL');
}

/** Writes one entry into tasks/ as `name`. */
async function place(rig: Rig, o: Outside, e: Entry, name: string, i: number): Promise<void> {
  const at = path.join(rig.root, 'tasks', name);
  switch (e.shape) {
    case 'regular':
      await fs.writeFile(at, contentBytes(e, i));
      return;
    case 'symlink-secret':
      await fs.symlink(o.secretFile, at);
      return;
    case 'symlink-fifo': {
      const fifo = path.join(rig.base, 'outside', `out-${o.fifoCount++}.fifo`);
      await makeFifo(rig, o, fifo);
      await fs.symlink(fifo, at);
      return;
    }
    case 'fifo':
      await makeFifo(rig, o, at);
      return;
    case 'dir':
      await fs.mkdir(at);
      await fs.writeFile(path.join(at, 'inside.md'), `${o.secret}\n`);
      return;
  }
}

function typeOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isDirectory()) return 'dir';
  return 'file';
}

function shapeType(shape: Shape): string {
  return shape === 'regular' ? 'file' : shape.startsWith('symlink') ? 'symlink' : shape;
}

/** The board as `status --json` prints it. */
interface StatusJson {
  tasks: { slug: string | null; file: string; state: string; error: string | null }[];
  rejected: { file: string; reason: string; renamedTo?: string }[];
}

/** Everything baton wrote, as text, to look for leaked secrets. */
function everythingWritten(rig: Rig): string {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const n of readdirSync(dir)) {
      const p = path.join(dir, n);
      const st = lstatSync(p);
      // A directory dropped as a follow-up passes through the inbox as a claim: never read it.
      if (st.isDirectory() && !n.startsWith('.claim-')) walk(p);
      else if (st.isFile()) out.push(readFileSync(p, 'utf8'));
    }
  };
  walk(path.join(rig.root, 'tasks/logs'));
  return out.join('\n');
}

/**
 * Checks what became of each entry after the watcher looked at them. `placed` maps each entry's
 * name to the entry. Returns the problems found.
 */
function judge(
  rig: Rig,
  o: Outside,
  placed: Map<string, Entry>,
  status: StatusJson,
  extraOutput: string,
): string[] {
  const problems: string[] = [];
  const tasksDir = path.join(rig.root, 'tasks');
  const history = rig.history(TARGET);
  const rejectedLines = existsSync(path.join(tasksDir, 'logs/rejected.jsonl'))
    ? readFileSync(path.join(tasksDir, 'logs/rejected.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { file: string; renamedTo: string; reason: string })
    : [];
  for (const [name, e] of placed) {
    const what = `${JSON.stringify(name)} (${e.kind}, ${e.shape}, ${typeof e.content === 'object' ? 'bytes' : e.content})`;
    const outcome = expectedOutcome(e, name);
    const at = path.join(tasksDir, name);
    const here = existsSync(at) || isLink(at) ? typeOf(lstatSync(at)) : null;
    if (outcome === 'untouched') {
      if (here !== shapeType(e.shape)) problems.push(`${what}: an ignored entry was touched (now ${here})`);
      continue;
    }
    if (outcome === 'valid-task' || outcome === 'invalid-task' || outcome === 'any-task') {
      if (here !== shapeType(e.shape))
        problems.push(`${what}: a task file was moved or changed type (now ${here})`);
      const t = status.tasks.find((x) => x.file === `tasks/${name}`);
      if (!t) problems.push(`${what}: not in status --json`);
      else if (outcome === 'valid-task' && t.state !== 'draft')
        problems.push(`${what}: state ${t.state}, expected draft`);
      else if (outcome === 'invalid-task' && (t.state !== 'invalid' || !t.error))
        problems.push(`${what}: state ${t.state} with error ${t.error}, expected invalid with a reason`);
      else if (t.state !== 'draft' && t.state !== 'invalid') problems.push(`${what}: state ${t.state}`);
      continue;
    }
    // A follow-up drop: accepted into the inbox, or renamed .rejected with a reason.
    const accepted = history.some((h) => h.type === 'followup_received' && h.file === `tasks/${name}`);
    const rejection = rejectedLines.find((r) => r.file === `tasks/${printable(name)}`);
    if (here !== null)
      problems.push(`${what}: still in tasks/ under its name, neither accepted nor rejected`);
    if (accepted && rejection) problems.push(`${what}: both accepted and rejected`);
    if (outcome === 'accepted' && !accepted)
      problems.push(`${what}: not accepted (${rejection?.reason ?? 'no reason'})`);
    if (outcome === 'rejected' && !rejection) problems.push(`${what}: not rejected`);
    if (!accepted && !rejection) problems.push(`${what}: lost: neither accepted nor rejected`);
    if (rejection) {
      if (!rejection.reason) problems.push(`${what}: rejected without a reason`);
      // renamedTo is printable (a newline escaped): the file itself is `<name>.rejected`.
      const kept = path.join(tasksDir, `${name}.rejected`);
      const keptType = existsSync(kept) || isLink(kept) ? typeOf(lstatSync(kept)) : null;
      if (rejection.renamedTo !== `tasks/${printable(`${name}.rejected`)}` || keptType !== shapeType(e.shape))
        problems.push(
          `${what}: rejected but not kept as a .rejected ${shapeType(e.shape)} (${rejection.renamedTo}: ${keptType})`,
        );
      else if (e.shape === 'symlink-secret' && readlinkSync(kept) !== o.secretFile)
        problems.push(`${what}: the kept symlink points elsewhere now`);
      if (!status.rejected.some((r) => r.file === rejection.file))
        problems.push(`${what}: rejected but not in status --json`);
    }
  }
  const written = everythingWritten(rig) + JSON.stringify(status) + extraOutput;
  if (written.includes(o.secret)) problems.push('the secret behind a symlink or inside a directory was read');
  if (existsSync(o.openedLog)) problems.push(`a FIFO was opened: ${readFileSync(o.openedLog, 'utf8')}`);
  problems.push(...unparseableLogs(rig.root).map((p) => `unparseable: ${p}`));
  return problems;
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** A clean tasks/ with the two fixed tasks (the target, done; a draft), nothing else. */
async function resetTasks(rig: Rig): Promise<void> {
  const tasks = path.join(rig.root, 'tasks');
  await fs.rm(tasks, { recursive: true, force: true });
  await fs.mkdir(path.join(tasks, 'logs'), { recursive: true });
  await rig.writeTask(TARGET, 'The target.', { status: 'done' });
  await rig.writeTask(DRAFT, 'A draft.', { status: 'draft' });
}

async function statusJson(rig: Rig): Promise<StatusJson> {
  const r = await rig.baton(['status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as StatusJson;
}

let rig: Rig;
let outside: Outside;
beforeAll(async () => {
  rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 1') });
  outside = await makeOutside(rig);
});
afterAll(async () => {
  endWriters(outside);
  await rig.cleanup();
});

/** One batch through `watch --once`: every entry judged. */
async function throughOnce(entries: Entry[]): Promise<string[]> {
  await resetTasks(rig);
  const placed = new Map<string, Entry>();
  for (const [i, e] of entries.entries()) {
    const name = entryName(e, i);
    placed.set(name, e);
    await place(rig, outside, e, name, i);
  }
  const r = await rig.baton(['watch', '--once', '--json']);
  if (r.code !== 0) return [`watch --once exited ${r.code}: ${r.stderr}`];
  try {
    JSON.parse(r.stdout);
  } catch {
    return [`watch --once printed no json: ${r.stdout}`];
  }
  const problems = judge(rig, outside, placed, await statusJson(rig), r.stdout + r.stderr);
  endWriters(outside);
  return problems;
}

/** Every known content, shape and name style at least once. */
function corpus(): Entry[] {
  const contents: Content[] = [
    'valid',
    'bom-crlf',
    'latin1',
    'bad-utf8',
    'huge',
    'alias-bomb',
    'dup-keys',
    'empty',
    'blank',
    'bad-mode',
  ];
  const shapes: Shape[] = ['symlink-secret', 'symlink-fifo', 'fifo', 'dir'];
  const out: Entry[] = [];
  for (const kind of ['task', 'followup'] as const) {
    for (const content of contents) out.push({ kind, name: 'plain', shape: 'regular', content });
    for (const name of NAME_STYLES) out.push({ kind, name, shape: 'regular', content: 'valid' });
    for (const shape of shapes) out.push({ kind, name: 'plain', shape, content: 'valid' });
  }
  return out;
}

describe('hostile input through watch --once', () => {
  it('a fixed corpus: every kind of bad file, name and shape, judged and kept, nothing read that must not be', async () => {
    expect(await throughOnce(corpus())).toEqual([]);
  }, 120_000);

  it(
    'arbitrary mixes of hostile entries (property)',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(arbEntry, { minLength: 1, maxLength: 6 }), async (entries) => {
          const problems = await throughOnce(entries);
          if (problems.length > 0) throw new Error(problems.join('\n'));
        }),
        { numRuns: NUM_RUNS, endOnFailure: !HEAVY },
      );
    },
    NUM_RUNS * 15_000,
  );
});

describe('hostile input to a running watcher', () => {
  it('never stops, never reads through a symlink, keeps and explains every file, and still runs a good task afterwards', async () => {
    await resetTasks(rig);
    const w = spawnBaton(rig, ['watch']);
    await w.waitForLine(/watching/);
    const tasksDir = path.join(rig.root, 'tasks');
    const placed = new Map<string, Entry>();
    const entries = corpus();
    for (const [i, e] of entries.entries()) {
      const name = entryName(e, i);
      placed.set(name, e);
      await place(rig, outside, e, name, i);
    }
    // Files that vanish between the event and the read, or change into a symlink meanwhile.
    const base = entries.length;
    for (let k = 0; k < 30; k++) {
      const i = base + k;
      const task = path.join(tasksDir, `v${i}.md`);
      const drop = path.join(tasksDir, `${TARGET}.v${i}.followup.md`);
      await fs.writeFile(task, `---\nstatus: draft\n---\nvanishing ${i}\n`);
      await fs.writeFile(drop, `vanishing ${i}\n`);
      if (k % 3 === 0) await sleep(k % 2);
      await fs.rm(task, { force: true });
      await fs.rm(drop, { force: true });
      if (k % 5 === 0) {
        // A drop swapped for a symlink to the secret right after it appeared.
        const swapped = path.join(tasksDir, `${TARGET}.s${i}.followup.md`);
        await fs.writeFile(swapped, `regular ${i}\n`);
        await fs.symlink(outside.secretFile, `${swapped}.tmp`);
        await fs.rename(`${swapped}.tmp`, swapped);
      }
    }
    // Settle: every drop has been judged, and a heartbeat has re-read the disk since.
    const since = Date.now();
    await rig.waitFor(
      'every drop judged and a heartbeat after it',
      () => {
        const left = readdirSync(tasksDir).filter((n) => classifyTaskEntry(n).kind.endsWith('followup'));
        const hb = path.join(tasksDir, 'logs/heartbeat.json');
        const ts = existsSync(hb)
          ? Date.parse((JSON.parse(readFileSync(hb, 'utf8')) as { ts: string }).ts)
          : 0;
        return left.length === 0 && ts > since;
      },
      60_000,
    );
    expect(w.output()).not.toMatch(/error \(the next heartbeat retries\)|unexpected error/);
    const problems = judge(rig, outside, placed, await statusJson(rig), w.output());
    expect(problems).toEqual([]);
    // The swapped drops: whatever was read was the regular file; every symlink was rejected.
    const rejected = readdirSync(tasksDir).filter((n) => n.endsWith('.rejected'));
    for (const n of rejected.filter((x) => /\.s\d+\.followup\.md/.test(x)))
      expect(isLink(path.join(tasksDir, n)), n).toBe(true);
    // Still alive and still working: a good task dropped now runs.
    await rig.writeTask('good', 'A good task.');
    await rig.waitFor(
      'the good task to run',
      () =>
        rig
          .fakeEvents()
          .some((e) => e.event === 'start' && (e.env as Record<string, string>).BATON_SLUG === 'good'),
      30_000,
    );
    process.kill(w.pid, 'SIGTERM');
    expect(await w.exited).toBe(0);
    endWriters(outside);
  }, 180_000);
});
