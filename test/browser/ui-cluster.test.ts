/**
 * `baton ui` in cluster mode, in headless Chromium (as ui.test.ts): a task another host holds
 * shows that host on the board, in the hosts panel and on the task's page, and the page learns
 * of the claim with no reload (the server reads the remote every `pollSeconds` while a page is
 * open and pushes the change). It leaves a screenshot of the board in test-results/ui/.
 */
import { existsSync, mkdtempSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';
import { makeHosts, startWatcher, type Host } from '../helpers/cluster-rig.js';
import { projectRoot, spawnBaton } from '../helpers/rig.js';

const have = existsSync(CHROMIUM);
if (!have && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium.`);

let hosts: Host[] = [];
let browser: BrowserContext | null = null;

afterEach(async () => {
  await browser?.close();
  browser = null;
  // Host 0 keeps the shared remote in its folder: end it last.
  for (const h of [...hosts].reverse()) await h.rig.cleanup();
  hosts = [];
});

describe.skipIf(!have)('baton ui in cluster mode', () => {
  it("shows the host that holds a task, live, on the board and the task's page", async () => {
    hosts = await makeHosts(['alpha', 'beta']);
    const [alpha, beta] = hosts as [Host, Host];
    await startWatcher(alpha);
    await beta.rig.writeTask('held', 'task held', { status: 'draft' });
    const ui = spawnBaton(beta.rig, ['ui']);
    const url = (await ui.waitForLine(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/)).trim();
    browser = await launchChromium(mkdtempSync(path.join(beta.rig.base, 'chromium-')));
    const page = browser.pages()[0] ?? (await browser.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('#live.on');
    const hostsPanel = page.locator('#hosts');
    await expect.poll(() => hostsPanel.textContent()).toContain('this host: beta');
    expect(await hostsPanel.textContent()).toContain('no claims yet');
    await page.evaluate('window.__sameDocument = true');

    // alpha starts the task: beta's page hears of it from the remote, with no reload.
    await alpha.rig.writeTask('held', 'task held\n@fake sleep=8000', { status: 'ready' });
    const notes = page.locator('tr[data-slug="held"] td[data-label="Notes"]');
    await expect
      .poll(() => notes.textContent(), { timeout: 20_000 })
      .toMatch(/claim: runs elsewhere: alpha \(epoch 1, since .*\), lease \d+ (s|min) left/);
    expect(await hostsPanel.locator('li[data-slug="held"]').textContent()).toMatch(
      /^held: runs elsewhere: alpha \(epoch 1/,
    );
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    const img = path.join(projectRoot, 'test-results/ui');
    await fs.mkdir(img, { recursive: true });
    await page.screenshot({ path: path.join(img, 'board-cluster.png'), fullPage: true });

    await page.goto(`${new URL(url).origin}/#/task/held`);
    const facts = page.locator('dl.facts');
    await expect.poll(() => facts.textContent()).toMatch(/Claimruns elsewhere: alpha \(epoch 1/);
    expect(errors).toEqual([]);
  });
});
