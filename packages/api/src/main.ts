#!/usr/bin/env node
import { createLogger, loadConfig } from '@zun/common';
import { startApi } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('zun-api', { debug: config.debug, format: config.logFormat });
  const api = await startApi(config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    api.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`zun-api: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
