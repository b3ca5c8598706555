import express, { type Request } from 'express';
import { Counter } from 'prom-client';
import type { Sequelize } from 'sequelize';
import {
  MAX_ARCHIVE_BYTES,
  createMetricsRegistry,
  GlanceClient,
  OpenStreams,
  type ComputeAgentClient,
  type Logger,
  type ZunConfig,
} from '@zun/common';
import type { FilterScheduler } from '@zun/scheduler';
import type { ComputeDeps } from './compute/deps';
import { HostStateCache } from './compute/host-states';
import { SchedulingMetrics } from './compute/scheduling-metrics';
import { capsulesRouter } from './controllers/capsules/router';
import type { ContainerEventHub } from './events/container-events';
import { containersRouter } from './controllers/containers/router';
import { hostsRouter } from './controllers/hosts';
import { imagesRouter } from './controllers/images/router';
import { registriesRouter } from './controllers/registries/router';
import { quotaClassesRouter, quotasRouter } from './controllers/quotas/router';
import { rootRouter } from './controllers/root';
import { availabilityZonesRouter, servicesRouter } from './controllers/services';
import './http-types';
import { identityRouter, type ExternalKeystoneProvider, type LocalAuthProvider } from './identity';
import { authenticate } from './middleware/auth';
import { errorHandler, notFoundHandler } from './middleware/errors';
import { forgetWrittenContainers } from './middleware/forget-written';
import { microversion } from './middleware/microversion';
import { requestId } from './middleware/request-id';
import { refuseUnstorableText } from './middleware/text-input';
import { operationsRouter } from './operations';

export interface ApiDeps {
  config: ZunConfig;
  sequelize: Sequelize;
  scheduler: FilterScheduler;
  agents: ComputeAgentClient;
  /** The scheduler's view of the hosts, shared with whoever needs to drop it. */
  hosts: HostStateCache;
  identity: LocalAuthProvider;
  /**
   * Set when [keystone_authtoken] names an external Keystone: it validates every token and the
   * built-in identity's routes are not mounted.
   */
  keystone?: ExternalKeystoneProvider;
  /** Container row changes for the event streams (GET /v1/containers/events). */
  events: ContainerEventHub;
  /** Followed logs, which the server ends when it drains; a throwaway set when not given. */
  follows?: OpenStreams;
  logger: Logger;
}

/**
 * zun-api: version documents and the built-in identity service are public; everything under
 * /v1 needs a token, negotiates a microversion and answers errors in Zun's envelope.
 */
export function createApiApp(deps: ApiDeps): express.Express {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Default query parser ("simple") keeps repeated keys as arrays, which then fail validation.
  app.use(requestId);
  const metrics = createMetricsRegistry('zun-api');
  const rows = deps.events.rows;
  new Counter({
    name: 'zun_api_container_show_total',
    help: 'GET /v1/containers/<id> (and its long-poll reads) answered, by where the row came from.',
    labelNames: ['source'],
    registers: [metrics],
    collect() {
      this.reset();
      this.inc({ source: 'cache' }, rows.served.cache);
      this.inc({ source: 'database' }, rows.served.database);
    },
  });
  app.use(operationsRouter(deps.sequelize, logger, metrics));

  const baseUrl = (req: Request): string =>
    config.api.publicUrl?.replace(/\/+$/, '') ??
    `${req.protocol}://${req.get('host') ?? `${config.api.host}:${config.api.port}`}`;
  const external = config.keystoneAuthtoken.wwwAuthenticateUri;
  const authUrl = (req: Request): string =>
    deps.keystone && external ? external : `${baseUrl(req)}/identity/v3`;
  const compute: ComputeDeps = {
    config,
    sequelize: deps.sequelize,
    scheduler: deps.scheduler,
    hosts: deps.hosts,
    agents: deps.agents,
    glance: GlanceClient.fromConfig(config),
    logger,
    scheduling: new SchedulingMetrics(metrics),
  };

  if (!deps.keystone) app.use('/identity', identityRouter({ config, provider: deps.identity, logger }));
  app.use(rootRouter(baseUrl));

  const v1 = express.Router();
  v1.use(authenticate(deps.keystone ?? deps.identity, authUrl));
  v1.use(microversion);
  // Only JSON bodies are parsed; create then answers 415 for anything else (README §9.6).
  const jsonTypes = ['application/json', 'application/*+json'];
  // No Content-Encoding is decoded (415): Zun's clients never compress, and upstream does not either.
  const json = express.json({ type: jsonTypes, strict: false, inflate: false });
  // put_archive carries a whole tar (base64) in its body; everything else stays small.
  const archiveJson = express.json({
    type: jsonTypes,
    strict: false,
    inflate: false,
    limit: Math.ceil(MAX_ARCHIVE_BYTES * 1.4),
  });
  v1.use((req, res, next) => (/\/put_archive\/?$/.test(req.path) ? archiveJson : json)(req, res, next));
  v1.use(refuseUnstorableText);
  v1.use(forgetWrittenContainers(deps.events.rows));
  v1.use('/containers', containersRouter(compute, baseUrl, deps.events, deps.follows ?? new OpenStreams()));
  v1.use('/capsules', capsulesRouter(compute, baseUrl, deps.events));
  v1.use('/services', servicesRouter(config, compute.hosts));
  v1.use('/availability_zones', availabilityZonesRouter(config));
  v1.use('/hosts', hostsRouter(config, deps.sequelize, baseUrl));
  v1.use('/registries', registriesRouter(config, logger, baseUrl));
  v1.use('/quotas', quotasRouter(config, deps.sequelize));
  v1.use('/quota_classes', quotaClassesRouter(config, deps.sequelize));
  v1.use('/images', imagesRouter(compute, logger, baseUrl));
  v1.use(notFoundHandler);
  app.use('/v1', v1);
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return app;
}
