/**
 * `baton ui` at 1,000 tasks (issue 18), in Debian's headless Chromium (skipped, with the reason in
 * results.json, where /usr/bin/chromium is missing):
 *
 *   render   a reload of the board until all 1,000 rows are in the page (in-page clock, from
 *            navigation start; target < 1 s), and when the board's json had arrived
 *   update   a task file's title changed on disk → the row shows it, without a reload
 *   idle     BENCH_UI_IDLE_S seconds with the page open and nothing changing: events the server
 *            pushed on an event stream of our own, requests the page made, the server's CPU
 *            (target: no event, no request)
 */
import { existsSync, mkdtempSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHROMIUM, launchChromium } from '../test/helpers/chromium.ts';
import { spawnBaton } from '../test/helpers/rig.ts';
import { CLK_TCK, cpuTicks, rssMb } from './lib/proc.ts';
import { scaleRepo } from './lib/scale-repo.ts';
import { median, r1 } from './lib/stats.ts';

/** The ui figures in results.json (`ui`). */
export type UiResult =
  | {
      tasks: number;
      renderMs: { median: number; max: number; samples: number };
      /** When the board's json had arrived, on the same clock (the rest is the page's work). */
      boardJsonAtMs: { median: number; max: number; samples: number };
      updateMs: { median: number; max: number; samples: number };
      idle: {
        seconds: number;
        events: number;
        pageRequests: number;
        serverCpuPct: number;
        serverRssMb: number;
      };
      targets: { renderMs: number; updateMs: number };
    }
  | { skipped: string };

/** Measures the page over a `n`-task repository, `samples` loads and updates, `idleS` seconds idle. */
export async function uiBench(n = 1000, samples = 5, idleS = 10): Promise<UiResult> {
  if (!existsSync(CHROMIUM)) return { skipped: `${CHROMIUM} is missing (apt-get install chromium)` };
  const rig = await scaleRepo(n);
  const browser = await launchChromium(mkdtempSync(path.join(os.tmpdir(), 'bench-ui-')), {
    // The page's CSP forbids eval, which waitForFunction's string predicates need; only the
    // benchmark's own probes are let through.
    bypassCSP: true,
  });
  try {
    const server = spawnBaton(rig, ['ui']);
    const url = new URL((await server.waitForLine(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/)).trim());
    const token = url.searchParams.get('token')!;
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(url.href); // sets the cookie
    const rows = `document.querySelectorAll('tbody tr').length >= ${n}`;
    const render: number[] = [];
    const boardAt: number[] = [];
    await page.goto(`${url.origin}/#/`);
    for (let i = 0; i < samples; i++) {
      await page.reload();
      await page.waitForFunction(rows, undefined, { polling: 'raf', timeout: 30_000 });
      render.push(await page.evaluate('performance.now()'));
      // When the board's json had arrived: the rest is the page's own work (DOM and layout).
      boardAt.push(
        await page.evaluate(
          "performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/board'))?.responseEnd ?? NaN",
        ),
      );
    }
    await page.waitForSelector('#live.on');
    const update: number[] = [];
    for (let i = 0; i < samples; i++) {
      const slug = `t${String(i * 7 + 1).padStart(5, '0')}`;
      const file = path.join(rig.root, 'tasks', `${slug}.md`);
      const title = `Retitled ${i}`;
      const text = (await fsp.readFile(file, 'utf8')).replace(/^title: .*$/m, `title: ${title}`);
      const t0 = performance.now();
      await fsp.writeFile(`${file}.tmp`, text);
      await fsp.rename(`${file}.tmp`, file);
      await page.waitForFunction(
        `document.querySelector('tr[data-slug="${slug}"] .title')?.textContent === ${JSON.stringify(title)}`,
        undefined,
        { polling: 'raf', timeout: 10_000 },
      );
      update.push(performance.now() - t0);
    }
    await sleep(1000); // the last update's own events, sent and taken in, before the idle watch
    let requests = 0;
    page.on('request', () => void requests++);
    let events = 0;
    const stream = await fetch(`${url.origin}/api/events`, {
      headers: { cookie: `baton_ui_token_${url.port}=${token}` },
    });
    const reader = stream.body!.getReader();
    const counting = (async () => {
      const dec = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        events += (dec.decode(value).match(/^event:/gm) ?? []).length;
      }
    })();
    const t0 = cpuTicks(server.pid);
    const s0 = performance.now();
    await sleep(idleS * 1000);
    const secs = (performance.now() - s0) / 1000;
    const cpu = ((cpuTicks(server.pid) - t0) / CLK_TCK / secs) * 100;
    const rss = rssMb(server.pid);
    await reader.cancel();
    await counting.catch(() => undefined);
    const stat = (xs: number[]) => ({ median: r1(median(xs)), max: r1(Math.max(...xs)), samples: xs.length });
    return {
      tasks: n,
      renderMs: stat(render),
      boardJsonAtMs: stat(boardAt),
      updateMs: stat(update),
      idle: {
        seconds: r1(secs),
        events,
        pageRequests: requests,
        serverCpuPct: r1(cpu),
        serverRssMb: r1(rss),
      },
      targets: { renderMs: 1000, updateMs: 1000 },
    };
  } finally {
    await browser.close();
    await rig.cleanup();
  }
}
