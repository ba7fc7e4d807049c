import { Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import { ConfigError, loadSampleConfig, SampleConfig } from './config/sample.config';
import { createSampleApp } from './sample.app';

async function main(): Promise<void> {
  const logger = new Logger('Sample');
  let config: SampleConfig;
  try {
    config = loadSampleConfig(process.env);
  } catch (error) {
    console.error(
      error instanceof ConfigError ? error.message : `Invalid configuration: ${String(error)}`,
    );
    process.exit(1);
  }
  for (const warning of config.warnings) logger.warn(warning);
  logger.log(`Signing tokens with ${config.keySource}; database: ${config.database.type}`);
  const app = await createSampleApp(config);
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  // With PORT=0 the system picks the port: log the one actually bound.
  const address = (app.getHttpServer() as Server).address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.log(`Listening on port ${port} (${config.httpAdapter}); API docs at /docs`);
}

main().catch((error: unknown) => {
  console.error(
    `The sample app could not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
