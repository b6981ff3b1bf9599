import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheEntry, cachedConfig, recordingEnv } from '../../src/config/cache.js';
import { loadConfig } from '../../src/config/load.js';
import { parseConfig } from '../../src/config/parse.js';

describe('recordingEnv', () => {
  it('notes each variable read, set or not, and gives up when enumerated', () => {
    const r = recordingEnv({ A: '1', B: undefined, C: '3' });
    expect(r.env.A).toBe('1');
    expect('B' in r.env).toBe(true);
    expect(r.env.Z).toBeUndefined();
    expect(r.read()).toEqual({ A: '1', B: null, Z: null });
    Object.keys(r.env);
    expect(r.read()).toBeNull();
  });
});

describe('cachedConfig', () => {
  const root = '/srv/r';
  const text = 'maxConcurrent: 2\n';
  const env = { BATON_MAX_DISPATCHES_PER_CYCLE: undefined, HOME: '/home/x' };
  const recording = recordingEnv(env);
  const parsed = parseConfig(text, 'baton.yaml', recording.env, root);
  const entry = cacheEntry(
    'code1',
    { text, root, env: recording.read() ?? {} },
    parsed.config,
    parsed.warnings,
  );

  it('answers for the same text, root, variables read and code', () => {
    expect(cachedConfig(entry, 'code1', text, root, { ...env, UNRELATED: 'y' })).toEqual({
      config: parsed.config,
      warnings: [],
    });
  });

  it('answers nothing when any of them differs', () => {
    expect(cachedConfig(entry, 'code2', text, root, env)).toBeNull();
    expect(cachedConfig(entry, 'code1', 'maxConcurrent: 3\n', root, env)).toBeNull();
    expect(cachedConfig(entry, 'code1', null, root, env)).toBeNull();
    expect(cachedConfig(entry, 'code1', text, '/srv/other', env)).toBeNull();
    expect(
      cachedConfig(entry, 'code1', text, root, { ...env, BATON_MAX_DISPATCHES_PER_CYCLE: '7' }),
    ).toBeNull();
    expect(cachedConfig(null, 'code1', text, root, env)).toBeNull();
    expect(cachedConfig({ ...entry, format: 9 }, 'code1', text, root, env)).toBeNull();
  });
});

describe('loadConfig with the cache', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'baton-config-cache-'));
    mkdirSync(path.join(root, '.git'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gives what a parse gives, warnings included, from the cache as without it', async () => {
    writeFileSync(path.join(root, 'baton.yaml'), 'maxConcurrent: 2\ntypo: 1\n');
    const env = { BATON_DISPATCH_TIMEOUT_SECONDS: '90' };
    const warned: string[][] = [[], []];
    const first = await loadConfig(root, env, (w) => warned[0]?.push(w));
    expect(existsSync(path.join(root, '.git/baton-config.cache.json'))).toBe(true);
    const second = await loadConfig(root, env, (w) => warned[1]?.push(w));
    expect(second).toEqual(first);
    expect(second).toEqual(parseConfig('maxConcurrent: 2\ntypo: 1\n', 'baton.yaml', env, root).config);
    expect(warned[1]).toEqual(warned[0]);
    expect(warned[0]?.length).toBe(1);
    expect(
      (await loadConfig(root, { BATON_DISPATCH_TIMEOUT_SECONDS: '120' }, () => undefined))
        .dispatchTimeoutSeconds,
    ).toBe(120);
    writeFileSync(path.join(root, 'baton.yaml'), 'maxConcurrent: five\n');
    await expect(loadConfig(root, env, () => undefined)).rejects.toThrow(/maxConcurrent/);
  });
});
