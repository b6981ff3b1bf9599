/** baton ui's access rules (src/ui/auth.ts) and its new-task text (src/ui/new-task.ts), as tables. */
import { describe, expect, it } from 'vitest';
import { cookieOf, judge, type RequestFacts } from '../../src/ui/auth.js';
import { newTaskText } from '../../src/ui/new-task.js';

const T = 'good-token';
const ORIGINS = ['http://127.0.0.1:8123'];
const req = (method: string, url: string, headers: RequestFacts['headers'] = {}): RequestFacts => ({
  method,
  url,
  headers,
});

describe('judge', () => {
  const cases: [string, RequestFacts, ReturnType<typeof judge>['kind']][] = [
    ['no token at all', req('GET', '/'), 'unauthorized'],
    ['a wrong query token', req('GET', '/?token=bad'), 'unauthorized'],
    [
      "another server's cookie",
      req('GET', '/api/board', { cookie: `baton_ui_token_9999=${T}` }),
      'unauthorized',
    ],
    ['a wrong cookie', req('GET', '/api/board', { cookie: 'baton_ui_token=bad' }), 'unauthorized'],
    [
      'a token of another length',
      req('GET', '/api/board', { cookie: 'baton_ui_token=good' }),
      'unauthorized',
    ],
    ['the right query token', req('GET', '/?token=good-token'), 'set-cookie'],
    ['the right cookie', req('GET', '/api/events', { cookie: 'a=b; baton_ui_token=good-token' }), 'ok'],
    ['the right header on a read', req('GET', '/api/board', { 'x-baton-token': T }), 'ok'],
    ['a query token on a write', req('POST', '/api/tasks/a/stop?token=good-token'), 'unauthorized'],
    [
      'a write with the cookie only',
      req('POST', '/api/tasks/a/stop', { cookie: `baton_ui_token=${T}`, origin: ORIGINS[0] }),
      'forbidden',
    ],
    [
      'a write with the header from this origin',
      req('POST', '/api/tasks/a/stop', { 'x-baton-token': T, origin: ORIGINS[0] }),
      'ok',
    ],
    [
      'a write with the header and no origin (curl)',
      req('POST', '/api/tasks/a/stop', { 'x-baton-token': T }),
      'ok',
    ],
    [
      'a write with the header from another origin',
      req('POST', '/api/tasks/a/stop', { 'x-baton-token': T, origin: 'http://evil.example' }),
      'forbidden',
    ],
    [
      'a write with a wrong header and the right cookie',
      req('POST', '/api/tasks/a/stop', { 'x-baton-token': 'bad', cookie: `baton_ui_token=${T}` }),
      'forbidden',
    ],
  ];
  it.each(cases)('%s', (_name, r, kind) => {
    expect(judge(r, T, ORIGINS, 'baton_ui_token').kind).toBe(kind);
  });

  it('redirects to the same address without the token', () => {
    expect(judge(req('GET', '/?x=1&token=good-token'), T, ORIGINS, 'baton_ui_token')).toEqual({
      kind: 'set-cookie',
      location: '/?x=1',
    });
  });
});

describe('cookieOf', () => {
  it.each([
    [null, null],
    ['', null],
    ['baton_ui_token=abc', 'abc'],
    ['x=1; baton_ui_token=abc; y=2', 'abc'],
    ['xbaton_ui_token=abc', null],
  ])('%s → %s', (header, value) => {
    expect(cookieOf(header, 'baton_ui_token')).toBe(value);
  });
});

describe('newTaskText', () => {
  it.each([
    [{ slug: 'a', prompt: 'Do it.' }, 'Do it.\n'],
    [
      { slug: 'a', title: 'Fix: "login"', priority: '3', status: 'draft', prompt: 'Do it.\r\n\r\n' },
      '---\ntitle: "Fix: \\"login\\""\npriority: 3\nstatus: "draft"\n---\nDo it.\n',
    ],
    [{ slug: 'a', agent: ' ', base: '', prompt: 'x' }, 'x\n'],
    [
      { slug: 'a', title: 'a\n---\nagent: evil', prompt: 'x' },
      '---\ntitle: "a\\n---\\nagent: evil"\n---\nx\n',
    ],
  ])('%j', (input, text) => {
    expect(newTaskText(input)).toBe(text);
  });
});
