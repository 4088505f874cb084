import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { pino } from 'pino';
import { describeError } from '#errors';
import { DebeziumTransport } from '#nest-debezium';
import { compileConfig } from './config/invalidator-config.js';
import { applyBodyLimits } from './http/body-limits.js';
import { InvalidatorModule } from './invalidator.module.js';
import { PinoNestLogger } from './observability/pino-nest-logger.js';
import { RulesRegistry } from './rules/rules-registry.js';

// Nothing the service logs carries a secret on purpose; this catches one passed along by mistake.
const SECRET_LOG_PATHS = [
  'password',
  '*.password',
  'sasl',
  '*.sasl',
  'authorization',
  '*.authorization',
];

async function main(): Promise<void> {
  const bootLogger = pino({ name: 'invalidator' });
  let config;
  try {
    config = compileConfig(process.env);
  } catch (error) {
    bootLogger.fatal(describeError(error));
    process.exit(78);
  }
  const logger = pino({ name: 'invalidator', level: config.logLevel, redact: SECRET_LOG_PATHS });
  const app = await NestFactory.create<NestExpressApplication>(
    InvalidatorModule.forRoot(config, logger),
    {
      logger: new PinoNestLogger(logger),
      rawBody: true,
    },
  );
  applyBodyLimits(app, config.http.bodyLimitBytes);
  // useProcessExit: exit 0 after a clean close (the default re-raises the signal, which can end
  // the process before the last log lines are written).
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // If draining takes longer than the grace period, leave anyway: nothing unapplied was committed.
      setTimeout(() => {
        logger.error(
          { graceMs: config.shutdownGraceMs },
          'shutdown grace period exceeded; exiting',
        );
        process.exit(1);
      }, config.shutdownGraceMs).unref();
    });
  }
  // Hybrid app: HTTP for health, metrics and admin; the Debezium transport for the changes.
  app.connectMicroservice({ strategy: app.get(DebeziumTransport) });
  const rules = app.get(RulesRegistry);
  process.on('SIGHUP', () => {
    void rules.reload();
  });
  await app.init();
  await app.startAllMicroservices();
  logger.info('consumer started');
  await app.listen(config.http.port, config.http.host);
  logger.info({ url: await app.getUrl() }, 'invalidator listening');
}

main().catch((error: unknown) => {
  pino({ name: 'invalidator' }).fatal(describeError(error));
  process.exit(1);
});
