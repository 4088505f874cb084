import { describe, expect, it } from 'vitest';
import { HealthState } from './health-state.js';

function setup(stallTimeoutMs = 60_000) {
  let now = 1_000;
  const health = new HealthState(stallTimeoutMs, () => now);
  return {
    health,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('HealthState', () => {
  it('reports a partition whose received messages are not applied within the timeout', () => {
    const { health, advance } = setup();
    health.assigned([{ topic: 't', partition: 0 }]);
    health.progress('received', 't', 0, '10');
    advance(59_999);
    expect(health.stalled()).toEqual([]);
    advance(1);
    expect(health.stalled()).toEqual([
      { topic: 't', partition: 0, idleMs: 60_000, waitingOn: 'apply' },
    ]);
    expect(health.health()).toEqual([{ topic: 't', partition: 0, stalled: true }]);
  });

  it('counts a resolved or committed offset as progress', () => {
    const { health, advance } = setup();
    health.progress('received', 't', 0, '10');
    advance(50_000);
    health.progress('resolved', 't', 0, '5');
    advance(50_000);
    expect(health.stalled()).toEqual([]);
    health.progress('resolved', 't', 0, '10');
    advance(50_000);
    health.progress('committed', 't', 0, '4');
    advance(50_000);
    expect(health.stalled()).toEqual([]);
    advance(10_000);
    expect(health.stalled()).toMatchObject([{ waitingOn: 'commit' }]);
  });

  it('never reports an idle partition, however long nothing arrives', () => {
    const { health, advance } = setup();
    health.progress('received', 't', 1, '3');
    health.progress('resolved', 't', 1, '3');
    health.progress('committed', 't', 1, '3');
    advance(3_600_000);
    expect(health.stalled()).toEqual([]);
    health.progress('received', 't', 1, '4');
    advance(59_000);
    expect(health.stalled()).toEqual([]);
  });

  it('forgets partitions the member no longer owns after a rebalance', () => {
    const { health, advance } = setup();
    health.progress('received', 't', 0, '10');
    health.progress('received', 't', 1, '10');
    health.assigned([{ topic: 't', partition: 1 }]);
    advance(120_000);
    expect(health.health()).toEqual([{ topic: 't', partition: 1, stalled: false }]);
  });

  it('says when Redis became reachable again', () => {
    const { health } = setup();
    expect(health.redisHealthy(false)).toBe(false);
    expect(health.redisOk).toBe(false);
    expect(health.redisHealthy(true)).toBe(true);
    expect(health.redisHealthy(true)).toBe(false);
  });
});
