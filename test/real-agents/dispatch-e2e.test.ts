/**
 * Opt-in (BATON_REAL_AGENTS=1): `baton dispatch` and `baton followup` end to end with the real
 * `claude` CLI, offline and logged out. The real session id must be captured, the run reported
 * failed with Claude's own message, and the follow-up must resume that same session.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { locate } from './locate.js';
import { makeRig, type Rig } from '../helpers/rig.js';

const enabled = process.env.BATON_REAL_AGENTS === '1';

let rig: Rig;
const claude = enabled ? locate('claude') : null;

describe.skipIf(!enabled || claude === null)('real claude through baton', () => {
  beforeEach(async () => {
    rig = await makeRig({
      config: `defaultAgent: claude\nagents:\n  claude: { preset: claude, bin: ${JSON.stringify(claude)} }\n`,
    });
  });
  afterEach(async () => {
    await rig.cleanup();
  });

  it('captures the real session id, reports the not-logged-in failure, and resumes the same session on follow-up', async () => {
    const home = join(rig.base, 'home');
    mkdirSync(home);
    // A fresh HOME and no API keys: the real CLI finds no login.
    const env: Record<string, string> = { HOME: home, ANTHROPIC_API_KEY: '', CLAUDE_CODE_OAUTH_TOKEN: '' };
    await rig.writeTask('real', 'Say hi.');
    const d = await rig.baton(['dispatch', 'real'], { env });
    expect(d.code, d.stderr).toBe(0);
    const first = await rig.waitFor(
      'failed',
      () =>
        rig.status('real')?.state === 'failed' && rig.status('real')?.pid === null
          ? rig.status('real')
          : null,
      90_000,
    );
    expect(first.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(String(first.error)).toContain('Not logged in');
    const f = await rig.baton(['followup', 'real', 'Then say bye.'], { env });
    expect(f.code, f.stderr).toBe(0);
    await rig.waitFor(
      'second run',
      () => rig.history('real').filter((h) => h.type === 'run_exited').length === 2,
      90_000,
    );
    const prompts = rig.history('real').filter((h) => h.type === 'prompt_sent');
    expect(prompts[1]!.mode).toBe('resume');
    expect(prompts[1]!.sessionId).toBe(first.sessionId);
    expect(rig.history('real').some((h) => h.type === 'session_fallback')).toBe(false);
    await rig.waitFor('settled', () => rig.status('real')?.pid === null);
    expect(rig.status('real')!.sessionId).toBe(first.sessionId);
  });
});
