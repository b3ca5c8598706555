#!/usr/bin/env node
import { createLogger, loadConfig } from '@zun/common';
import { startConsole } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('zun-console', { debug: config.debug, format: config.logFormat });
  const console = await startConsole(config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    console.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`zun-console: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
