#!/usr/bin/env node
import { createLogger, loadConfig } from '@zun/common';
import { startAgent } from './agent';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('zun-compute', { debug: config.debug, format: config.logFormat });
  const agent = await startAgent(config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    agent.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`zun-compute: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
