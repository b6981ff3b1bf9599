import { describe, expect, it } from 'vitest';
import { settlesWithin, withTimeout } from '../../src/proc/timeout.js';

const never = new Promise<never>(() => undefined);

describe('settlesWithin', () => {
  it('is true for a promise that fulfils in time', async () => {
    expect(await settlesWithin(Promise.resolve(1), 1000)).toBe(true);
  });

  it('is true for a promise that rejects in time, and does not reject itself', async () => {
    expect(await settlesWithin(Promise.reject(new Error('no')), 1000)).toBe(true);
  });

  it('is false when the time runs out first', async () => {
    expect(await settlesWithin(never, 5)).toBe(false);
  });
});

describe('withTimeout', () => {
  it('gives the value of a promise that settles in time', async () => {
    expect(await withTimeout(Promise.resolve('v'), 1000, 'late')).toBe('v');
  });

  it('rejects with the message when the time runs out', async () => {
    await expect(withTimeout(never, 5, 'took too long')).rejects.toThrow('took too long');
  });

  it("passes on the promise's own rejection, as an Error", async () => {
    await expect(withTimeout(Promise.reject(new Error('boom')), 1000, 'late')).rejects.toThrow('boom');
    const thrown = await withTimeout(Promise.reject('text'), 1000, 'late').catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toBe('text');
  });
});
