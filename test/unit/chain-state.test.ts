import { describe, expect, it } from 'vitest';
import { ChainLifecycle } from '../../src/worker/chain-state.js';
import { Coalesced } from '../../src/worker/coalesce.js';

describe('ChainLifecycle', () => {
  it('runs agents one after another and ends done', () => {
    const life = new ChainLifecycle();
    expect(life.agentStarted()).toBe(false);
    expect(life.state).toBe('running');
    expect(life.canSteer()).toBe(true);
    life.agentExited();
    expect(life.canStep()).toBe(true);
    expect(life.end()).toBe('done');
  });

  it('an interrupt follow-up signals once, and the chain goes on after the agent exits', () => {
    const life = new ChainLifecycle();
    life.agentStarted();
    expect(life.interrupt()).toBe('signal');
    expect(life.interrupt()).toBe('join');
    expect(life.canSteer()).toBe(false);
    expect(life.noProgress()).toBe(false);
    life.agentExited();
    expect(life.state).toBe('idle');
    expect(life.interrupt()).toBe('none');
  });

  it('a stop while an agent runs ends the chain as stopped once the agent exits', () => {
    const life = new ChainLifecycle();
    life.agentStarted();
    life.askStop('stop');
    expect(life.stopReason()).toBe('stop');
    life.agentExited();
    expect(life.canStep()).toBe(false);
    expect(life.end()).toBe('stopped');
  });

  it('a stall outranks a stop, whichever comes first', () => {
    const first = new ChainLifecycle();
    first.askStop('stop');
    first.askStop('stall');
    expect(first.end()).toBe('stalled');
    const second = new ChainLifecycle();
    second.askStop('stall');
    second.askStop('stop');
    expect(second.end()).toBe('stalled');
  });

  it('no progress stalls only a running agent that nothing signals yet', () => {
    const life = new ChainLifecycle();
    expect(life.noProgress()).toBe(false);
    life.agentStarted();
    expect(life.noProgress()).toBe(true);
    expect(life.stopReason()).toBe('stall');
    life.agentExited();
    expect(life.end()).toBe('stalled');
  });

  it('an agent that starts after a stop was asked is to be ended at once', () => {
    const life = new ChainLifecycle();
    life.askStop('stop');
    expect(life.agentStarted()).toBe(true);
    life.agentExited();
    expect(life.end()).toBe('stopped');
  });

  it('a stop after the end changes nothing; an agent cannot start then', () => {
    const life = new ChainLifecycle();
    expect(life.end()).toBe('done');
    life.askStop('stall');
    expect(life.state).toBe('done');
    expect(() => life.agentStarted()).toThrow(/agent started in state done/);
  });
});

describe('Coalesced', () => {
  it('runs one more pass for any number of asks during a pass, never two at once', async () => {
    let passes = 0;
    let running = 0;
    let release: () => void = () => undefined;
    const job = new Coalesced(async () => {
      running++;
      expect(running).toBe(1);
      passes++;
      if (passes === 1) await new Promise<void>((r) => (release = r));
      running--;
    });
    const first = job.run();
    await Promise.all([job.run(), job.run(), job.run()]); // asked during the first pass: return at once
    release();
    await first;
    expect(passes).toBe(2);
    await job.run();
    expect(passes).toBe(3);
  });
});
