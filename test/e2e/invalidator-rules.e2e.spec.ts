import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keySlot, namespaceKeyFor, tagSetKeyFor } from '#cache-keys';
import { endpoints, InvalidatorProcess, killAllInvalidators, waitFor } from '#local-pipeline';
import { createCdcPipeline, waitForCaughtUp, type CdcPipeline } from '../support/cdc-pipeline.js';
import { startInvalidator } from '../support/invalidator-process.js';

// The demo rules (rules/catalog.yaml) through the real service: PostgreSQL -> Debezium -> Kafka ->
// the built invalidator as a child process -> Redis. Two instances read the same topics with
// groups of their own, one deleting in the standalone Redis, one in the three-master cluster, so
// every change is checked on both topologies.

interface Store {
  readonly name: string;
  readonly client: Redis | Cluster;
}

let pipeline: CdcPipeline;
let standalone: Redis;
let cluster: Cluster;
let stores: Store[];
const services: InvalidatorProcess[] = [];

/** The keys of `keys` that exist, one EXISTS each (cluster keys sit in different slots). */
async function existing(store: Store, keys: readonly string[]): Promise<string[]> {
  const flags = await Promise.all(keys.map((key) => store.client.exists(key)));
  return keys.filter((_, i) => flags[i] === 1);
}

async function setEverywhere(keys: readonly string[]): Promise<void> {
  for (const store of stores) {
    await Promise.all(keys.map((key) => store.client.set(key, 'cached')));
    expect(await existing(store, keys)).toEqual(keys);
  }
}

/** Files `members` under `tag` the way the cache client does, in both stores. */
async function tagEverywhere(tag: string, members: readonly string[]): Promise<void> {
  await setEverywhere(members);
  for (const store of stores) await store.client.sadd(tagSetKeyFor(tag), ...members);
}

async function waitGoneEverywhere(keys: readonly string[], what: string): Promise<void> {
  for (const store of stores) {
    await waitFor(async () => (await existing(store, keys)).length === 0, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: `${what} deleted in ${store.name}`,
    }).catch(async (error: unknown) => {
      const left = await existing(store, keys);
      throw new Error(`${(error as Error).message}; still there: ${left.join(', ')}`, {
        cause: error,
      });
    });
  }
}

async function expectStillEverywhere(keys: readonly string[]): Promise<void> {
  for (const store of stores) {
    expect(await existing(store, keys), `in ${store.name}`).toEqual(keys);
  }
}

const k = (name: string) => pipeline.key(name);

beforeAll(async () => {
  pipeline = await createCdcPipeline('rules');
  standalone = new Redis(endpoints.redisUrl);
  cluster = new Cluster(endpoints.redisClusterNodes.map((n) => ({ ...n })));
  stores = [
    { name: 'standalone Redis', client: standalone },
    { name: 'Redis Cluster', client: cluster },
  ];
  const [single, clustered] = await Promise.all([
    startInvalidator({ pipeline, label: 'standalone' }),
    startInvalidator({
      pipeline,
      label: 'cluster',
      redis: { clusterNodes: endpoints.redisClusterNodes },
    }),
  ]);
  services.push(single, clustered);
});

afterAll(async () => {
  await killAllInvalidators();
  const started: Partial<{ standalone: Redis; cluster: Cluster; pipeline: CdcPipeline }> = {
    standalone,
    cluster,
    pipeline,
  };
  if (started.standalone && started.cluster && started.pipeline) {
    // The unrelated keys each test left, so the shared servers do not fill up run after run.
    const prefix = started.pipeline.keyPrefix;
    for (const node of [started.standalone, ...started.cluster.nodes('master')]) {
      const patterns = [`${prefix}*`, `__tag:${prefix}*`, `__ns:${prefix}*`, `other-${prefix}*`];
      for (const pattern of patterns) {
        await unlinkMatching(node, pattern);
      }
    }
  }
  started.standalone?.disconnect();
  started.cluster?.disconnect();
  await started.pipeline?.close();
});

// Every earlier change is applied (and committed) by both instances before a test sets its keys:
// a late sweep of the previous test must not delete them and make a test pass for nothing.
beforeEach(async () => {
  for (const service of services) {
    for (const topic of Object.values(pipeline.topics)) {
      await waitForCaughtUp(pipeline, service.groupId, topic);
    }
  }
});

describe('invalidator service on the demo rules, standalone Redis and Redis Cluster', () => {
  it('a price update deletes product:{id}, its category and brand lists, nothing else', async () => {
    const stale = [k('product:123'), k('category:5:products'), k('brand:1:products')];
    const unrelated = [k('product:125'), k('category:7:products'), k('category:5')];
    await setEverywhere([...stale, ...unrelated]);

    await pipeline.catalog.query('UPDATE products SET price = 81.00 WHERE id = 123');

    await waitGoneEverywhere(stale, 'product 123 keys');
    await expectStillEverywhere(unrelated);
  });

  it('a product moved between categories deletes both categories lists', async () => {
    const stale = [k('product:124'), k('category:5:products'), k('category:7:products')];
    const unrelated = [k('category:1:products'), k('product:200')];
    await setEverywhere([...stale, ...unrelated]);

    await pipeline.catalog.query('UPDATE products SET category_id = 7 WHERE id = 124');

    await waitGoneEverywhere(stale, 'old and new category lists');
    await expectStillEverywhere(unrelated);
  });

  it('an update of a column no rule watches deletes nothing', async () => {
    const keys = [k('product:201'), k('category:7:products')];
    await setEverywhere(keys);
    const before = await Promise.all(services.map((s) => s.metrics()));

    await pipeline.catalog.query('UPDATE products SET updated_at = now() WHERE id = 201');

    // The event is counted as ignored (no-rule) by both instances; only then are the keys checked.
    await Promise.all(
      services.map((service, i) =>
        waitFor(
          async () => {
            const labels = { entity: 'product', op: 'updated', outcome: 'ignored' };
            const now = (await service.metrics()).value('invalidator_events_total', labels);
            return now > (before[i]?.value('invalidator_events_total', labels) ?? 0);
          },
          { timeoutMs: 60_000, intervalMs: 100, what: 'ignored product.updated counted' },
        ),
      ),
    );
    await expectStillEverywhere(keys);
  });

  it('a category rename cascades to the keys of its products (64-bit ids exact)', async () => {
    // Category 7 holds 200, 201, 9007199254740993 and, since the move above, 124.
    const stale = [
      k('category:7'),
      k('category:7:products'),
      k('product:200'),
      k('product:201'),
      k('product:124'),
      k('product:9007199254740993'),
      k('brand:3:products'),
    ];
    const unrelated = [k('product:123'), k('category:5'), k('product:9007199254740992')];
    await setEverywhere([...stale, ...unrelated]);

    await pipeline.catalog.query("UPDATE categories SET name = 'Gizmos' WHERE id = 7");

    await waitGoneEverywhere(stale, 'category 7 and its products');
    await expectStillEverywhere(unrelated);
  });

  it('tag invalidation deletes the keys filed under the tag and the tag set', async () => {
    const tag = k('product:200');
    const filed = [k('page:200:html'), k('api:v2:product:200'), k('fragment:{200}:price')];
    const otherTag = k('product:201');
    const otherFiled = [k('page:201:html')];
    await tagEverywhere(tag, filed);
    await tagEverywhere(otherTag, otherFiled);

    await pipeline.catalog.query('UPDATE products SET price = 18.99 WHERE id = 200');

    await waitGoneEverywhere([...filed, tagSetKeyFor(tag)], 'keys filed under the tag');
    await expectStillEverywhere([...otherFiled, tagSetKeyFor(otherTag)]);
  });

  it('a product update bumps the search namespace in both stores and deletes none of its keys', async () => {
    const counter = namespaceKeyFor(k('search'));
    const before = await Promise.all(stores.map(async (s) => Number(await s.client.get(counter))));
    const family = Array.from({ length: 60 }, (_, i) => k(`search:g${before[0] ?? 0}:q${i}`));
    await setEverywhere(family);

    await pipeline.catalog.query('UPDATE products SET name = $1 WHERE id = 201', ['Desk Gadget 2']);

    for (const [i, store] of stores.entries()) {
      await waitFor(async () => Number(await store.client.get(counter)) > (before[i] ?? 0), {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: `${counter} bumped in ${store.name}`,
      });
      // No TTL: an expired counter would restart at a generation whose entries may be cached.
      expect(await store.client.pttl(counter)).toBe(-1);
    }
    // The family's old entries are not deleted one by one: they are unreachable and expire.
    await expectStillEverywhere(family);
  });

  it('a delete invalidates the deleted row like an update, from its before-image', async () => {
    const tag = k('product:125');
    const filed = [k('page:125:html')];
    const stale = [k('product:125'), k('category:5:products'), k('brand:1:products')];
    const unrelated = [k('product:123'), k('category:7:products'), k('brand:2:products')];
    await setEverywhere([...stale, ...unrelated]);
    await tagEverywhere(tag, filed);

    await pipeline.catalog.query('DELETE FROM products WHERE id = 125');

    await waitGoneEverywhere([...stale, ...filed, tagSetKeyFor(tag)], 'deleted product keys');
    await expectStillEverywhere(unrelated);
  });

  // Last: its patterns sweep every product key of this pipeline.
  it('a truncate sweeps the rules patterns over every master: product:* and the lists', async () => {
    const spread = Array.from({ length: 60 }, (_, i) => k(`product:${1000 + i}:page`));
    const nodesHoldingMatches = new Set(spread.map((key) => cluster.slots[keySlot(key)]?.[0]));
    expect(nodesHoldingMatches.size).toBe(3);
    const stale = [
      ...spread,
      k('product:123'),
      k('product:999999'),
      k('product:200:reviews'),
      k('category:5:products'),
      k('category:42:products'),
      k('brand:2:products'),
    ];
    const unrelated = [k('category:5'), k('brand:2'), k('products'), `other-${k('product:1')}`];
    await setEverywhere([...stale, ...unrelated]);

    await pipeline.catalog.query('TRUNCATE products');

    await waitGoneEverywhere(stale, 'keys matching the truncate patterns');
    await expectStillEverywhere(unrelated);
  });
});

async function unlinkMatching(node: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    for (const key of keys) await node.unlink(key);
  } while (cursor !== '0');
}
