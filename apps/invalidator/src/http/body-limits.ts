import type { NestExpressApplication } from '@nestjs/platform-express';

/**
 * Bounds every request body the service parses (JSON, form and the plain-text Kafka value of
 * `/admin/explain`) to `limitBytes`; larger bodies get 413 before any handler runs. Call before
 * `listen`: Nest then skips its own parsers with the default 100 kB limit.
 */
export function applyBodyLimits(app: NestExpressApplication, limitBytes: number): void {
  app.useBodyParser('json', { limit: limitBytes });
  app.useBodyParser('urlencoded', { limit: limitBytes, extended: true });
  app.useBodyParser('text', { limit: limitBytes, type: 'text/plain' });
}
