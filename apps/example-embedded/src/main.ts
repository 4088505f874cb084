import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DebeziumTransport } from '#nest-debezium';
import { readExampleConfig } from './example-config.js';
import { ExampleModule } from './example.module.js';

/** An existing HTTP app with the Debezium transport connected beside it. */
async function main(): Promise<void> {
  const config = readExampleConfig(process.env);
  const app = await NestFactory.create(ExampleModule.forRoot(config));
  app.connectMicroservice({ strategy: app.get(DebeziumTransport) });
  app.enableShutdownHooks();
  await app.init();
  await app.startAllMicroservices();
  await app.listen(config.http.port, config.http.host);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
