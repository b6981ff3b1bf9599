/**
 * `baton ui` over plain HTTP (docs/design.md, "The web page"): the token guards every route, a
 * write from another origin is refused, no path trick reaches a file, and the actions answer with
 * the CLI's own sentences.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRig, spawnBaton, type Rig } from '../helpers/rig.js';

let rig: Rig;
let origin: string;
let token: string;
let cookieName: string;
const cookie = (): Record<string, string> => ({ cookie: `${cookieName}=${token}` });

beforeAll(async () => {
  rig = await makeRig();
  await rig.writeTask('alpha', 'Do alpha.', { title: 'Alpha', status: 'draft' });
  const ui = spawnBaton(rig, ['ui']);
  const url = new URL((await ui.waitForLine(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/)).trim());
  origin = url.origin;
  token = url.searchParams.get('token')!;
  cookieName = `baton_ui_token_${url.port}`;
});
afterAll(async () => {
  await rig.cleanup();
});

/** An action's answer. */
interface Answer {
  ok: boolean;
  lines?: string[];
  code?: string;
  message?: string;
  hint?: string | null;
}
const answer = async (r: Promise<Response>): Promise<Answer> => (await (await r).json()) as Answer;

const post = (p: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${origin}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-baton-token': token, origin, ...headers },
    body: JSON.stringify(body),
  });

describe('the token', () => {
  const routes = [
    '/',
    '/?token=wrong',
    '/app.js',
    '/style.css',
    '/nope.js',
    '/api/board',
    '/api/events',
    '/api/tasks/alpha',
    '/api/tasks/alpha/log',
    '/api/tasks/..%2F..%2Fetc%2Fpasswd',
  ];
  it.each(routes)('GET %s without it is 401 and nothing else', async (route) => {
    for (const headers of [
      {},
      { cookie: 'baton_ui_token=wrong' },
      { cookie: `${cookieName}=wrong` },
      { 'x-baton-token': 'wrong' },
    ]) {
      const r = await fetch(`${origin}${route}`, { headers, redirect: 'manual' });
      expect(r.status).toBe(401);
      expect(r.headers.get('set-cookie')).toBeNull();
      expect(await r.text()).toBe('401 Unauthorized\n');
    }
  });

  it.each(['/api/tasks', '/api/tasks/alpha/stop', '/api/tasks/alpha/remove'])(
    'POST %s without it is 401 and changes nothing',
    async (route) => {
      const r = await fetch(`${origin}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ slug: 'intruder', prompt: 'x' }),
      });
      expect(r.status).toBe(401);
      await expect(fs.stat(path.join(rig.root, 'tasks/intruder.md'))).rejects.toThrow();
    },
  );

  it('in the URL sets a cookie and redirects to the page without it', async () => {
    const r = await fetch(`${origin}/?token=${token}`, { redirect: 'manual' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/');
    expect(r.headers.get('set-cookie')).toBe(`${cookieName}=${token}; Path=/; HttpOnly; SameSite=Strict`);
    const page = await fetch(`${origin}/`, { headers: cookie() });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain(`content="${token}"`);
    const js = await fetch(`${origin}/app.js`, { headers: cookie() });
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
  });
});

describe('writes', () => {
  it('from another origin are refused, even with the token', async () => {
    const r = await post('/api/tasks', { slug: 'evil', prompt: 'x' }, { origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    await expect(fs.stat(path.join(rig.root, 'tasks/evil.md'))).rejects.toThrow();
  });

  it('with the cookie but without the header are refused', async () => {
    const r = await fetch(`${origin}/api/tasks/alpha/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin, ...cookie() },
      body: '{}',
    });
    expect(r.status).toBe(403);
  });

  it('as a form post (not JSON) are refused', async () => {
    const r = await fetch(`${origin}/api/tasks/alpha/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-baton-token': token, origin },
      body: 'a=b',
    });
    expect(r.status).toBe(415);
  });
});

describe('paths', () => {
  it.each([
    '/api/tasks/..',
    '/api/tasks/%2E%2E',
    '/api/tasks/..%2Fbaton.yaml',
    '/api/tasks/alpha%2F..%2F..%2Fbaton.yaml/log',
    '/api/tasks/ALPHA',
    '/api/tasks/%00',
    '/api/tasks/%E0%A4%A',
  ])('GET %s is refused before anything is read', async (route) => {
    const r = await fetch(`${origin}${route}`, { headers: cookie() });
    expect([400, 404]).toContain(r.status);
    expect(await r.text()).not.toContain('defaultAgent');
  });

  it.each(['/..%2Fpackage.json', '/%2E%2E/package.json', '/../../package.json', '/index.html%00.js'])(
    'static %s is not served',
    async (route) => {
      const r = await fetch(`${origin}${route}`, { headers: cookie() });
      expect([400, 404]).toContain(r.status);
      expect(await r.text()).not.toContain('"name"');
    },
  );

  it('a task file that is a symlink is not read through', async () => {
    await fs.writeFile(path.join(rig.base, 'secret.txt'), 'SECRET CONTENT\n');
    await fs.symlink(path.join(rig.base, 'secret.txt'), path.join(rig.root, 'tasks/linked.md'));
    const r = await fetch(`${origin}/api/tasks/linked`, { headers: cookie() });
    const text = await r.text();
    expect(text).not.toContain('SECRET CONTENT');
    const board = (await (await fetch(`${origin}/api/board`, { headers: cookie() })).json()) as {
      tasks: { slug: string; state: string }[];
    };
    expect(board.tasks.find((t) => t.slug === 'linked')?.state).toBe('invalid');
  });

  it('a write to a bad slug is refused as the CLI refuses it', async () => {
    for (const slug of ['..', '../x', 'a/b', 'A']) {
      const r = await post('/api/tasks', { slug, prompt: 'x' });
      const data = (await r.json()) as Answer;
      expect(data).toMatchObject({ ok: false, code: 'BAD_SLUG' });
    }
    const r = await post(`/api/tasks/${encodeURIComponent('../x')}/stop`, {});
    expect(r.status).toBe(400);
  });
});

describe('actions', () => {
  it("answer with the CLI's sentences and errors", async () => {
    const created = await answer(
      post('/api/tasks', { slug: 'beta', title: 'Beta', status: 'draft', prompt: 'Do beta.' }),
    );
    expect(created).toEqual({ ok: true, lines: ['created tasks/beta.md'] });
    expect(await fs.readFile(path.join(rig.root, 'tasks/beta.md'), 'utf8')).toBe(
      '---\ntitle: "Beta"\nstatus: "draft"\n---\nDo beta.\n',
    );
    const again = await answer(post('/api/tasks', { slug: 'beta', prompt: 'Other.' }));
    expect(again).toMatchObject({
      ok: false,
      code: 'USAGE',
      message: 'Task beta already exists: tasks/beta.md is there.',
    });
    expect(await fs.readFile(path.join(rig.root, 'tasks/beta.md'), 'utf8')).toContain('Do beta.');

    const web = await answer(post('/api/tasks/beta/followup', { mode: 'queue', text: 'More.' }));
    const cli = await rig.baton(['followup', 'beta', 'More.']);
    expect(web.ok).toBe(false);
    expect(cli.stderr).toBe(`baton: ${web.message}\n  ${web.hint}\n`);

    const stop = await answer(post('/api/tasks/beta/stop', {}));
    expect(stop).toEqual({ ok: true, lines: ['beta has no live worker: nothing to stop.'] });
    expect((await rig.baton(['stop', 'beta'])).stderr).toBe(
      'baton: beta has no live worker: nothing to stop.\n',
    );

    const cont = await answer(post('/api/tasks/beta/continue', {}));
    expect(cont).toMatchObject({ ok: false, code: 'TASK_NOT_DISPATCHABLE' });
    expect((await rig.baton(['continue', 'beta'])).stderr).toBe(`baton: ${cont.message}\n  ${cont.hint}\n`);

    const unknown = await answer(post('/api/tasks/nosuch/dispatch', {}));
    expect(unknown).toMatchObject({ ok: false, code: 'UNKNOWN_TASK' });
  });
});

describe('the command', () => {
  it('refuses a port in use or not a port, and exits', async () => {
    const port = new URL(origin).port;
    const busy = await rig.baton(['ui', '--port', port]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toBe(
      `baton: Cannot listen on 127.0.0.1:${port}: EADDRINUSE.\n  Choose another --port (or leave it out for a free one).\n`,
    );
    const bad = await rig.baton(['ui', '--port', 'eighty']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^baton: --port eighty is not a port number\./);
  });
});

describe('baton watch --ui', () => {
  it('serves the page beside the watcher, and pushes a change on disk to the event stream', async () => {
    const other = await makeRig();
    try {
      const w = spawnBaton(other, ['watch', '--ui']);
      const url = new URL((await w.waitForLine(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/)).trim());
      const headers = { cookie: `baton_ui_token_${url.port}=${url.searchParams.get('token')}` };
      expect((await fetch(`${url.origin}/api/board`)).status).toBe(401);
      const stream = await fetch(`${url.origin}/api/events`, { headers });
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = stream.body!.getReader();
      const dec = new TextDecoder();
      let got = '';
      expect(dec.decode((await reader.read()).value)).toBe(': live\n\n');
      await other.writeTask('pushed', 'Say hello.');
      while (!got.includes('pushed.md')) got += dec.decode((await reader.read()).value);
      expect(got).toMatch(/^event: changed\ndata: \{"names":\[.*"pushed\.md".*\]\}\n\n/m);
      await reader.cancel();
      // The watcher beside it does its own work: it dispatches the new task.
      await other.waitFor('pushed idle', () => other.isIdle('pushed'));
      const board = (await (await fetch(`${url.origin}/api/board`, { headers })).json()) as {
        tasks: { slug: string; state: string }[];
        watcher: { pid: number } | null;
      };
      expect(board.watcher?.pid).toBe(w.pid);
      expect(board.tasks.find((t) => t.slug === 'pushed')?.state).toBe('idle');
    } finally {
      await other.cleanup();
    }
  });
});
