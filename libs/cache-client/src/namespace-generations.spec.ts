import { describe, expect, it } from 'vitest';
import { NamespaceGenerations } from './namespace-generations.js';

/** A generation source the test answers by hand, and a clock it moves by hand. */
function harness(maxAgeMs: number) {
  let now = 0;
  let counter = 0;
  const replies: (() => void)[] = [];
  const reads: string[] = [];
  const generations = new NamespaceGenerations(
    (namespace) => {
      reads.push(namespace);
      return new Promise<number>((resolve) =>
        replies.push(() => {
          resolve(counter);
        }),
      );
    },
    maxAgeMs,
    () => now,
  );
  return {
    generations,
    reads,
    tick: (ms: number) => (now += ms),
    bump: () => (counter += 1),
    answerAll: () => {
      replies.splice(0).forEach((reply) => {
        reply();
      });
    },
  };
}

describe('NamespaceGenerations', () => {
  it('shares one read in flight and reuses its answer for maxAgeMs after it was sent', async () => {
    const h = harness(1000);
    const first = h.generations.current('search');
    const second = h.generations.current('search');
    h.answerAll();
    expect([await first, await second]).toEqual([0, 0]);
    expect(h.reads).toEqual(['search']);
    h.tick(1000);
    expect(await h.generations.current('search')).toBe(0);
    expect(h.reads).toHaveLength(1);
    h.tick(1);
    h.bump();
    const third = h.generations.current('search');
    h.answerAll();
    expect(await third).toBe(1);
    expect(h.reads).toHaveLength(2);
  });

  it('counts the window from when the read was sent, so a slow reply does not extend it', async () => {
    const h = harness(1000);
    const slow = h.generations.current('search');
    h.tick(900); // the reply takes 900 ms
    h.answerAll();
    expect(await slow).toBe(0);
    h.bump();
    h.tick(101); // 1001 ms after the read was sent, though only 101 ms after it came back
    const next = h.generations.current('search');
    h.answerAll();
    expect(await next).toBe(1);
  });

  it('reads on every call with maxAgeMs 0, never joining a read sent before a bump', async () => {
    const h = harness(0);
    const before = h.generations.current('search');
    h.bump();
    const after = h.generations.current('search');
    h.answerAll();
    await Promise.all([before, after]);
    expect(h.reads).toEqual(['search', 'search']);
  });

  it('forgets a failed read, so the next call reads again', async () => {
    let fail = true;
    const generations = new NamespaceGenerations(
      () => (fail ? Promise.reject(new Error('down')) : Promise.resolve(7)),
      60_000,
    );
    await expect(generations.current('n')).rejects.toThrow('down');
    fail = false;
    expect(await generations.current('n')).toBe(7);
  });

  it('keeps namespaces apart', async () => {
    const generations = new NamespaceGenerations((n) => Promise.resolve(n.length), 60_000);
    expect(await generations.current('ab')).toBe(2);
    expect(await generations.current('abc')).toBe(3);
  });
});
