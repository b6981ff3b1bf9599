/**
 * `baton ui` in a real browser: Debian's headless Chromium driven by playwright-core, against a
 * real `baton ui` on a rig with fake agents (docs/design.md, "The web page"). The suite also
 * writes screenshots of the board and a task page: into test-results/ui/ (git-ignored), or, with
 * BATON_UI_SCREENSHOTS=docs/img, over the ones README shows, so a test run leaves the tree clean.
 *
 * Skipped, with a message, where /usr/bin/chromium is missing; under CI (CI=true) a missing
 * browser fails instead, since `.ci/run` installs it.
 */
import { existsSync, mkdtempSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { agentStarts, fakeAgentsYaml, makeRig, projectRoot, spawnBaton, type Rig } from '../helpers/rig.js';

const have = existsSync(CHROMIUM);
if (!have && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium.`);
if (!have) console.warn(`test/browser: skipped: ${CHROMIUM} is missing (apt-get install chromium).`);

const IMG = path.resolve(projectRoot, process.env.BATON_UI_SCREENSHOTS ?? 'test-results/ui');

let rig: Rig;
let browser: BrowserContext;
let page: Page;
let origin: string;
/** Uncaught errors in the page: every test ends with none. */
const pageErrors: string[] = [];

const stateOf = (slug: string) => page.locator(`tr[data-slug="${slug}"] .state`);
const result = () => page.locator('#result');
const settled = (slug: string) => () => rig.isIdle(slug) || rig.status(slug)?.state === 'interrupted';

/**
 * What the last action answered, once it has: the box says `<action>…` (class `busy`) from the
 * click until the server's answer, so the answer is read whole, whatever the machine's load.
 */
async function answer(): Promise<string> {
  await expect.poll(() => result().getAttribute('class')).not.toContain('busy');
  return (await result().textContent()) ?? '';
}

/** The end of `slug`'s history, for a failure message: what the worker and agent were doing. */
function story(slug: string): string {
  const lines = rig.history(slug).map((h) => {
    const { ts, type, runId, ...rest } = h;
    return `${String(ts).slice(11)} ${String(type)} ${String(runId)} ${JSON.stringify(rest).slice(0, 160)}`;
  });
  return `history of ${slug}:\n${lines.slice(-20).join('\n')}`;
}

async function openTask(slug: string): Promise<void> {
  await page.goto(`${origin}/#/task/${slug}`);
  await expect.poll(() => page.locator('h1').textContent()).toContain(slug);
}

async function dispatched(slug: string): Promise<void> {
  const r = await rig.baton(['dispatch', slug]);
  expect(r.code, r.stderr).toBe(0);
}

describe.skipIf(!have)('baton ui in Chromium', () => {
  beforeAll(async () => {
    await fs.mkdir(IMG, { recursive: true });
    rig = await makeRig({ config: fakeAgentsYaml('interruptGraceSeconds: 1') });
    const ui = spawnBaton(rig, ['ui']);
    const url = (await ui.waitForLine(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/)).trim();
    origin = new URL(url).origin;
    browser = await launchChromium(mkdtempSync(path.join(rig.base, 'chromium-')));
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('#live.on');
  });
  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await rig?.cleanup();
  });

  it('shows every task in its state', async () => {
    await rig.writeTask('quick', 'Say hello.', { title: 'A quick task' });
    await dispatched('quick');
    await rig.waitFor('quick idle', () => rig.isIdle('quick'));
    await rig.writeTask('waiting', 'Not yet.', { title: 'Waits for a watcher' });
    await rig.writeTask('sketch', 'Later.', { status: 'draft', title: 'A draft' });
    await rig.writeTask('broken', 'x', { priority: 'high' });
    await page.goto(`${origin}/#/`);
    await expect.poll(() => stateOf('quick').textContent()).toBe('idle');
    expect(await stateOf('waiting').textContent()).toBe('ready');
    expect(await stateOf('sketch').textContent()).toBe('draft');
    expect(await stateOf('broken').textContent()).toBe('invalid');
    const quick = page.locator('tr[data-slug="quick"]');
    expect(await quick.locator('td[data-label="Runs"]').textContent()).toBe('1');
    expect(await quick.locator('td[data-label="Branch"]').textContent()).toBe('task/quick');
    // What status carries and no column shows (here the port block) is shown in words.
    expect(await quick.locator('td[data-label="Notes"]').textContent()).toMatch(/ports: base \d+; count 10/);
  });

  it('shows a task dispatched and finished from the CLI without a reload', async () => {
    await rig.writeTask('live', '@fake sleep=1500');
    await page.goto(`${origin}/#/`);
    await expect.poll(() => stateOf('live').textContent()).toBe('ready');
    await page.evaluate('window.__sameDocument = true');
    await dispatched('live');
    await expect.poll(() => stateOf('live').textContent(), { timeout: 10_000 }).toBe('running');
    await rig.waitFor('live idle', () => rig.isIdle('live'));
    const seen = Date.now();
    await expect.poll(() => stateOf('live').textContent(), { timeout: 5_000, interval: 50 }).toBe('idle');
    console.log(`browser: idle on the page ${Date.now() - seen} ms after the CLI saw it`);
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
  });

  it('renders what status carries beyond its columns: conflicts, a PR, limits, fields added later', async () => {
    const board = JSON.parse((await rig.baton(['status', '--json'])).stdout) as {
      tasks: Record<string, unknown>[];
    };
    const quick = board.tasks.find((t) => t.slug === 'quick')!;
    Object.assign(quick, {
      conflicts: [{ with: 'beta', kind: 'task', branch: 'task/beta', files: ['src/api.ts'] }],
      pr: { number: 12, url: 'https://example.invalid/pr/12', state: 'open', failingChecks: ['lint'] },
      limitedAgent: 'claude',
      laterField: { note: 'from a later issue' },
    });
    await page.route('**/api/board', (route) => route.fulfill({ json: board }));
    try {
      await page.goto(`${origin}/#/new`); // from another view, so the board is read anew
      await page.goto(`${origin}/#/`);
      const notes = page.locator('tr[data-slug="quick"] td[data-label="Notes"]');
      await expect.poll(() => notes.textContent()).toContain('conflicts with beta in src/api.ts');
      const text = await notes.textContent();
      expect(text).toContain('PR #12 open');
      expect(text).toContain('failingChecks: lint');
      expect(text).toContain('limitedAgent: claude');
      expect(text).toContain('laterField: note from a later issue');
      expect(await notes.locator('a').getAttribute('href')).toBe('https://example.invalid/pr/12');
    } finally {
      await page.unroute('**/api/board');
    }
  });

  it('delivers a follow-up typed on the task page to the agent once', async () => {
    await rig.writeTask('follow', '@fake sleep=3000');
    await dispatched('follow');
    await rig.waitFor('running', () => rig.status('follow')?.state === 'running');
    await openTask('follow');
    await page.fill('#followup-text', 'Please also add a test.');
    await page.click('#btn-queue');
    await expect
      .poll(() => result().textContent())
      .toBe('queued as #1 for follow (runs after the current run)');
    expect(await page.inputValue('#followup-text')).toBe('');
    await rig.waitFor('both runs', () => agentStarts(rig, 'follow').length === 2 && rig.isIdle('follow'));
    const prompts = agentStarts(rig, 'follow').map((e) => e.prompt);
    expect(prompts.filter((p) => p === 'Please also add a test.')).toHaveLength(1);
    expect(rig.history('follow').filter((e) => e.type === 'followup_received')).toHaveLength(1);
    await expect.poll(() => page.locator('#timeline').textContent()).toContain('│ Please also add a test.');
  });

  it('interrupts and stops a running agent', async () => {
    await rig.writeTask('turn', '@fake sleep=60000');
    await dispatched('turn');
    // As test/integration/followup.test.ts does: the agent is running and has said its session.
    await rig.waitFor(
      'running',
      () => rig.status('turn')?.state === 'running' && rig.status('turn')?.sessionId,
    );
    await openTask('turn');
    await page.fill('#followup-text', 'Do this instead.');
    await page.click('#btn-interrupt');
    const said = await answer();
    expect(said, story('turn')).toBe(
      "accepted as #1: interrupting turn's agent; this runs next in the same session",
    );
    await rig.waitFor('the new prompt', () =>
      agentStarts(rig, 'turn').some((e) => e.prompt === 'Do this instead.'),
    );
    await rig.waitFor('turn idle', () => rig.isIdle('turn'));
    expect(rig.fakeEvents().some((e) => e.event === 'signal' && e.signal === 'SIGINT')).toBe(true);

    await rig.writeTask('halt', '@fake sleep=60000');
    await dispatched('halt');
    await rig.waitFor('running', () => rig.status('halt')?.state === 'running');
    await openTask('halt');
    await page.click('#btn-stop');
    const stopped = await answer();
    expect(stopped, story('halt')).toMatch(/^asked worker pid \d+ \(run \S+\) to stop halt\.$/);
    await expect.poll(() => page.locator('h1 .state').textContent(), { timeout: 20_000 }).toBe('interrupted');
    await rig.waitFor('halt settled', settled('halt'));
  });

  it('follows the log as it grows, and stays put when scrolled up', async () => {
    await rig.writeTask('chatty', '@fake sleep=8000\n@fake tick=40');
    await openTask('chatty');
    await page.click('#btn-dispatch');
    await expect.poll(() => result().textContent()).toMatch(/chatty dispatched: run \S+, worker pid \d+/);
    const log = (expr: string): Promise<number> =>
      page.evaluate(`(() => { const l = document.getElementById('log'); return ${expr}; })()`);
    await expect.poll(() => log('l.scrollHeight > l.clientHeight * 2'), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => log('l.scrollHeight - l.clientHeight - l.scrollTop')).toBeLessThan(10);
    const grown = await log('l.scrollHeight');
    await expect.poll(() => log('l.scrollHeight')).toBeGreaterThan(grown);
    await expect.poll(() => log('l.scrollHeight - l.clientHeight - l.scrollTop')).toBeLessThan(10);
    // Scrolled up by the person: new output arrives, the view stays where it was.
    await page.locator('#log').hover();
    await page.mouse.wheel(0, -400);
    await expect.poll(() => page.locator('.jump').isVisible()).toBe(true);
    const top = await log('l.scrollTop');
    const height = await log('l.scrollHeight');
    await expect.poll(() => log('l.scrollHeight')).toBeGreaterThan(height);
    expect(await log('l.scrollTop')).toBe(top);
    await page.click('.jump');
    await expect.poll(() => log('l.scrollHeight - l.clientHeight - l.scrollTop')).toBeLessThan(10);
    await rig.waitFor('chatty idle', () => rig.isIdle('chatty'), 60_000);
    await expect.poll(() => page.locator('h1 .state').textContent()).toBe('idle');
    await expect.poll(() => page.locator('#timeline').textContent()).toContain('state running → idle');
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(IMG, 'ui-task.png'), fullPage: true });
  });

  it('shows the refusal of a remove that would lose work, and removes with --force after a confirmation', async () => {
    await rig.writeTask('keep', 'Write notes.');
    await dispatched('keep');
    await rig.waitFor('keep idle', () => rig.isIdle('keep'));
    await fs.writeFile(path.join(rig.worktreesDir, 'keep', 'notes.txt'), 'unsaved\n');
    const cli = await rig.baton(['remove', 'keep']);
    expect(cli.code).toBe(1);
    await openTask('keep');
    await page.click('#btn-remove');
    await expect
      .poll(() => page.locator('#result div').first().textContent())
      .toBe(cli.stderr.split('\n')[0]);
    expect(await result().textContent()).toContain(cli.stderr.split('\n')[1]!.trim());
    expect(existsSync(path.join(rig.worktreesDir, 'keep'))).toBe(true);
    page.once('dialog', (d) => void d.accept());
    await page.click('#btn-force');
    await expect.poll(() => result().textContent()).toContain('removed worktree');
    expect(existsSync(path.join(rig.worktreesDir, 'keep'))).toBe(false);
  });

  it('offers dispatch --force for a task that waits for another, after a confirmation', async () => {
    await rig.writeTask('later', 'After the quick one.', { after: '[sketch]' });
    await openTask('later');
    await expect.poll(() => page.locator('h1 .state').textContent()).toBe('blocked');
    await page.click('#btn-dispatch');
    const cli = await rig.baton(['dispatch', 'later']);
    expect(cli.code).not.toBe(0);
    await expect
      .poll(() => page.locator('#result div').first().textContent())
      .toBe(cli.stderr.split('\n')[0]);
    page.once('dialog', (d) => void d.accept());
    await page.click('#btn-force');
    await expect.poll(() => result().textContent()).toMatch(/^later dispatched: run \S+, worker pid \d+/);
    await rig.waitFor('later idle', () => rig.isIdle('later'));
  });

  it('creates a task from the form, refusing a bad slug as the CLI does', async () => {
    await page.goto(`${origin}/#/new`);
    await page.fill('#new-slug', 'Bad Slug');
    await page.fill('#new-prompt', 'x');
    await page.evaluate(`document.querySelector('form').noValidate = true`);
    await page.click('#new-create');
    await expect.poll(() => page.locator('.result').textContent()).toContain('is not a valid slug');
    await page.fill('#new-slug', 'from-the-page');
    await page.fill('#new-title', 'Made on the page');
    await page.selectOption('#new-status', 'draft');
    await page.fill('#new-prompt', 'Do it from the page.');
    await page.click('#new-create');
    await expect
      .poll(() => page.locator('.result').textContent())
      .toContain('created tasks/from-the-page.md');
    await page.click('text=Open from-the-page');
    await expect.poll(() => page.locator('#taskfile').textContent()).toContain('Do it from the page.');
  });

  it('is usable from the keyboard: Tab to a task, Enter opens it, Ctrl+Enter queues a follow-up', async () => {
    await page.goto(`${origin}/#/`);
    await expect.poll(() => stateOf('quick').textContent()).toBe('idle');
    const focused = (): Promise<string> =>
      page.evaluate(
        "document.activeElement?.closest('tr')?.dataset.slug ?? document.activeElement?.id ?? ''",
      );
    for (let i = 0; i < 10 && (await focused()) !== 'broken'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('broken'); // the first row, in name order
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('chatty');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('h1').textContent()).toContain('chatty');
    expect(await focused()).toBe('main');
    await page.focus('#followup-text');
    await page.keyboard.type('One more thing.');
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => result().textContent()).toMatch(/^accepted as #1; starting a worker for chatty/);
    await rig.waitFor('chatty ran it', () =>
      agentStarts(rig, 'chatty').some((e) => e.prompt === 'One more thing.'),
    );
    await rig.waitFor('chatty idle', () => rig.isIdle('chatty'));
  });

  it('writes the screenshots README shows', async () => {
    await rig.writeTask('busy', '@fake sleep=4000', { title: 'Shown while it runs' });
    await page.goto(`${origin}/#/`);
    await expect.poll(() => stateOf('from-the-page').textContent()).toBe('draft');
    await dispatched('busy');
    await expect.poll(() => stateOf('busy').textContent(), { timeout: 10_000 }).toBe('running');
    await expect
      .poll(() => page.locator('tr[data-slug="busy"] td[data-label="Last output"]').textContent())
      .not.toBe('—');
    await page.screenshot({ path: path.join(IMG, 'ui-board.png') });
    await rig.waitFor('busy idle', () => rig.isIdle('busy'));
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await expect.poll(() => stateOf('quick').textContent()).toBe('idle');
    await page.screenshot({ path: path.join(IMG, 'ui-phone.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
