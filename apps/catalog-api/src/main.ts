import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeError } from '#errors';
import { readCatalogConfig } from './catalog-config.js';
import { CatalogModule } from './catalog.module.js';

async function main(): Promise<void> {
  const logger = new Logger('catalog-api');
  let config;
  try {
    config = readCatalogConfig(process.env);
  } catch (error) {
    logger.fatal(describeError(error));
    process.exit(78);
  }
  const app = await NestFactory.create(CatalogModule.forRoot(config));
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.httpPort, config.httpHost);
  logger.log(`catalog-api listening on ${await app.getUrl()}`);
}

main().catch((error: unknown) => {
  new Logger('catalog-api').fatal(describeError(error));
  process.exit(1);
});
