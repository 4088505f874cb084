import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, PgDatabase } from './index.js';
import { toDatabaseQueryError } from './pg-database-adapter.js';

// The checks against a real database are in test/integration/rules-database.e2e.spec.ts.
describe('PgDatabase', () => {
  it('reports an unreachable server as retriable DatabaseUnavailableError', async () => {
    const connecting = PgDatabase.connect('postgres://nobody@127.0.0.1:1/none');
    await expect(connecting).rejects.toThrow(DatabaseUnavailableError);
    await expect(connecting).rejects.toMatchObject({ retriable: true });
  });
});

describe('toDatabaseQueryError', () => {
  const serverError = (code: string) =>
    Object.assign(new pg.DatabaseError('from the server', 0, 'error'), { code });

  // The service's connection cut mid-stream (test/faults/service-database-unreachable): these
  // were classified as permanent by their `code` and dead-lettered instead of retried.
  it.each(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'])(
    'treats a network error (%s) as retriable, without an SQLSTATE',
    (code) => {
      const error = toDatabaseQueryError(
        Object.assign(new Error(`connect ${code}`), { code, syscall: 'connect' }),
      );
      expect(error).toMatchObject({
        retriable: true,
        sqlState: null,
        code: 'DATABASE_QUERY_FAILED',
      });
    },
  );

  it('treats a connection that ended without a code as retriable', () => {
    expect(toDatabaseQueryError(new Error('Connection terminated unexpectedly')).retriable).toBe(
      true,
    );
  });

  it.each([
    ['08006', true],
    ['57P01', true],
    ['40001', true],
    ['57014', false],
    ['42P01', false],
  ])('reads the SQLSTATE %s of a server error (retriable: %s)', (code, retriable) => {
    expect(toDatabaseQueryError(serverError(code))).toMatchObject({ retriable, sqlState: code });
  });
});
