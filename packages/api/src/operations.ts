import { Router } from 'express';
import type { Sequelize } from 'sequelize';
import {
  createMetricsRegistry,
  databaseCheck,
  healthcheckHandler,
  httpObservability,
  metricsHandler,
  type Logger,
} from '@zun/common';

/**
 * What operators and load balancers use, without a token: the access log and request metrics
 * of every request (mount first), GET /metrics and GET /healthcheck (200 only when the database
 * answers, since the API can do nothing without it).
 */
export function operationsRouter(
  sequelize: Sequelize,
  logger: Logger,
  registry = createMetricsRegistry('zun-api'),
): Router {
  const r = Router();
  r.use(httpObservability(registry, logger));
  r.get('/metrics', metricsHandler(registry));
  r.get('/healthcheck', healthcheckHandler({ database: databaseCheck(sequelize) }, logger));
  return r;
}
