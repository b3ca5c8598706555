#!/usr/bin/env node
import { createServer } from 'node:http';
import { createLogger, loadConfig, openDatabase } from '@zun/common';
import { AGENT_POOL } from '../agent';
import { HollowFleet, hollowFleetRefusal } from './fleet';

/**
 * zun-compute-hollow: a fleet of simulated compute hosts for control-plane scale benchmarks
 * (bench/scale.ts). Refused unless ZUN_HOLLOW_FLEET=bench: it must never stand in for real
 * hosts. ZUN_HOLLOW_COUNT hosts named ZUN_HOLLOW_PREFIX-NNNN, numbered from ZUN_HOLLOW_FIRST
 * (several fleet processes share a bench's hosts between them); GET /stats on
 * ZUN_HOLLOW_CONTROL_PORT (127.0.0.1) gives the heartbeat figures, POST /stats/reset clears them.
 */
async function main(): Promise<void> {
  const refusal = hollowFleetRefusal(process.env);
  if (refusal) throw new Error(refusal);
  const config = loadConfig();
  const logger = createLogger('zun-compute-hollow', { debug: config.debug, format: config.logFormat });
  // Kept open as a real agent's are (AGENT_POOL), so the bench measures the same connection use.
  const sequelize = openDatabase(config.database.connection, {
    poolMax: Number(process.env.ZUN_HOLLOW_POOL ?? AGENT_POOL.poolMax),
    idleMs: AGENT_POOL.idleMs,
    applicationName: 'zun-compute-hollow',
  });
  await sequelize.authenticate();
  const fleet = new HollowFleet(config, sequelize, logger);
  await fleet.start({
    count: Number(process.env.ZUN_HOLLOW_COUNT ?? 50),
    prefix: process.env.ZUN_HOLLOW_PREFIX ?? 'hollow',
    first: Number(process.env.ZUN_HOLLOW_FIRST ?? 1),
    shape: {
      cpus: Number(process.env.ZUN_HOLLOW_CPUS ?? 64),
      memoryMiB: Number(process.env.ZUN_HOLLOW_MEMORY_MIB ?? 262144),
    },
    registerConcurrency: Number(process.env.ZUN_HOLLOW_REGISTER_CONCURRENCY ?? 10),
  });
  const control = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/stats/reset') {
      fleet.resetStats();
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          hosts: fleet.size,
          registration_ms: fleet.registrationMs,
          ...fleet.heartbeats,
          event_loop_delay_p99_ms: fleet.loopDelay.percentile(99) / 1e6,
          event_loop_delay_max_ms: fleet.loopDelay.max / 1e6,
        }),
      );
      return;
    }
    res.writeHead(404).end();
  });
  control.listen(Number(process.env.ZUN_HOLLOW_CONTROL_PORT ?? 0), '127.0.0.1', () => {
    const addr = control.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    process.stdout.write(`HOLLOW_READY ${port} ${fleet.size} ${fleet.registrationMs}\n`);
  });
  const shutdown = (): void => {
    control.close();
    fleet.stop().then(
      () => sequelize.close().then(() => process.exit(0)),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`zun-compute-hollow: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
