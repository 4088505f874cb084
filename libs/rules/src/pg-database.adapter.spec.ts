import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, PgDatabase } from './index.js';

// The checks against a real database are in test/integration/rules-database.e2e.spec.ts.
describe('PgDatabase', () => {
  it('reports an unreachable server as retriable DatabaseUnavailableError', async () => {
    const connecting = PgDatabase.connect('postgres://nobody@127.0.0.1:1/none');
    await expect(connecting).rejects.toThrow(DatabaseUnavailableError);
    await expect(connecting).rejects.toMatchObject({ retriable: true });
  });
});
