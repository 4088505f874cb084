import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints, repoPath, waitFor } from '#local-pipeline';

// The lagging standby is started on demand, like the audit does; it stays up for later runs.
beforeAll(() => {
  execFileSync('bash', [repoPath('deploy/local/stack.sh'), 'replica', 'up'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}, 120_000);

const primary = new pg.Pool({ connectionString: endpoints.postgresUrl, max: 1 });
const replica = new pg.Pool({ connectionString: endpoints.postgresReplicaUrl, max: 1 });

afterAll(async () => {
  await primary.end();
  await replica.end();
});

describe('the lagging PostgreSQL replica', () => {
  it('is a hot standby that serves a commit only after its apply delay', async () => {
    const recovery = await replica.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    expect(recovery.rows[0]?.r).toBe(true);
    const delay = await replica.query<{ d: string }>(
      "SELECT setting AS d FROM pg_settings WHERE name = 'recovery_min_apply_delay'",
    );
    expect(Number(delay.rows[0]?.d)).toBeGreaterThanOrEqual(300);
    // A table of this test's own (outside the Debezium publication), then a fresh row: the
    // replica cannot serve it right after the commit...
    const schema = `replica_${Date.now()}`;
    await primary.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.rows (v text)`);
    await primary.query(`INSERT INTO ${schema}.rows VALUES ('new')`);
    const count = async () => {
      try {
        return (await replica.query(`SELECT 1 FROM ${schema}.rows`)).rowCount ?? 0;
      } catch {
        return 0; // the table itself is not replayed yet
      }
    };
    expect(await count()).toBe(0);
    // ...and serves it once the delay has passed.
    await waitFor(async () => (await count()) > 0, {
      what: 'the replica to replay the insert',
      timeoutMs: 30_000,
    });
    await primary.query(`DROP SCHEMA ${schema} CASCADE`);
  });
});
