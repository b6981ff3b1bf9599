import { describe, expect, it } from 'vitest';
import { fleetView, partsText, renderFleet } from '../../src/cli/fleet-text.js';
import { fleetJson } from '../../src/cli/fleet-json.js';
import type { Fleet, FleetClaim } from '../../src/ops/fleet.js';
import { withFleet } from '../../src/ui/reads.js';

const NOW = new Date('2026-12-07T12:00:00Z');
const claim = (slug: string, host: string, over: Partial<FleetClaim> = {}): FleetClaim => ({
  slug,
  host,
  runId: 'r1',
  epoch: 2,
  since: '2026-12-07T11:50:00.000Z',
  expiresAt: NOW.getTime() + 90_000,
  released: false,
  here: host === 'me',
  lapsed: false,
  ...over,
});
const fleet = (claims: FleetClaim[], extra: Partial<Fleet> = {}): Fleet => ({
  host: 'me',
  remote: 'origin',
  claims,
  inbox: {},
  problem: null,
  ...extra,
});

describe('the fleet in baton status', () => {
  it.each([
    [claim('a', 'me'), 'a: runs here: me (this host) (epoch 2, since 2026-12-07 11:50:00), lease 90 s left'],
    [claim('b', 'h2'), 'b: runs elsewhere: h2 (epoch 2, since 2026-12-07 11:50:00), lease 90 s left'],
    [claim('c', 'h2', { released: true }), 'c: last ran on h2 (epoch 2, since 2026-12-07 11:50:00); free'],
    [
      claim('d', 'h3', { expiresAt: NOW.getTime() - 20_000, lapsed: true }),
      'd: held by h3 (epoch 2), lease lapsed 20 s ago: the next host to look takes it over',
    ],
  ])('says %j as a person reads it', (c, line) => {
    expect(renderFleet(fleet([c]), NOW)).toContain(`  ${line}\n`);
  });
  it('names this host and the remote, waiting follow-ups, and a remote it cannot read', () => {
    const text = renderFleet(fleet([claim('a', 'h2')], { inbox: { a: 2 } }), NOW);
    expect(text.split('\n')[0]).toBe('Hosts (cluster mode, this host: me, remote: origin)');
    expect(text).toMatch(/2 follow-ups waiting for it on the remote/);
    const cut = renderFleet(fleet([], { problem: 'could not read origin refs/baton/*: fatal: nope' }), NOW);
    expect(cut).toMatch(/could not read origin refs\/baton\/\*: fatal: nope: nothing starts unclaimed here/);
    expect(renderFleet(fleet([]), NOW)).toMatch(/no claims yet/);
  });
  it("adds host, cluster and each task's claim to the json, changing nothing else", () => {
    const out = fleetJson(
      [
        { slug: 'a', state: 'idle' },
        { slug: 'z', state: 'ready' },
      ],
      fleet([claim('a', 'h2')]),
    );
    expect(out.host).toBe('me');
    expect(out.tasks[0]).toMatchObject({
      slug: 'a',
      state: 'idle',
      claim: { host: 'h2', here: false, epoch: 2 },
    });
    expect(out.tasks[1]).toEqual({ slug: 'z', state: 'ready', claim: null });
    expect(out.cluster).toMatchObject({
      remote: 'origin',
      problem: null,
      claims: [{ slug: 'a', host: 'h2' }],
    });
  });
});

describe('the fleet on the page', () => {
  it("gives each task status's words for its claim, with the lease as a time that ticks", () => {
    const f = fleet([claim('a', 'h2')], { inbox: { a: 1 } });
    const tasks: Record<string, unknown>[] = [{ slug: 'a' }, { slug: 'z' }];
    const out = withFleet({ tasks }, f, NOW);
    const words = out.tasks[0]!['claimWords'] as Parameters<typeof partsText>[0];
    expect(`  a: ${partsText(words)}\n`).toBe(renderFleet(f, NOW).split('\n').slice(1).join('\n'));
    expect(words).toContainEqual({
      at: new Date(NOW.getTime() + 90_000).toISOString(),
      text: '90 s',
      count: 'left',
    });
    expect(out.tasks[1]).toMatchObject({ slug: 'z', claim: null, claimWords: null });
    expect(out.fleet).toEqual(fleetView(f, NOW));
    expect(out.host).toBe('me');
  });
  it('adds nothing outside cluster mode', () => {
    const json = { tasks: [{ slug: 'a' }] };
    expect(withFleet(json, null, NOW)).toBe(json);
  });
});
