/**
 * Debian's headless Chromium, as the browser suite (test/browser) and the ui benchmark
 * (bench/ui.ts) launch it through playwright-core.
 */
import type { BrowserContext, BrowserType } from 'playwright-core';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** The flags this machine needs (no sandbox as root, no network of Chromium's own). */
export const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

type ContextOptions = NonNullable<Parameters<BrowserType['launchPersistentContext']>[1]>;

/**
 * Chromium, headless with FLAGS and a 1280×800 viewport, on the profile `userDataDir`; `extra`
 * adds to (or overrides) those options. playwright-core is loaded only when a browser is wanted.
 */
export async function launchChromium(
  userDataDir: string,
  extra: ContextOptions = {},
): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
    ...extra,
  });
}
